# -DEVENTBOT_SANITIZE=ON builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer; CI runs the unit tests in such a build.
option(EVENTBOT_SANITIZE "Build with ASan and UBSan" OFF)
if(EVENTBOT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
