# EVENTBOT_SANITIZE picks the sanitizers everything is built with; CI runs the unit
# tests (and the actor tests among them) in each such build:
#   ON (or "address")  AddressSanitizer and UndefinedBehaviorSanitizer (./test.sh --sanitize)
#   "thread"           ThreadSanitizer (./test.sh --sanitize=thread; suppressions for the
#                      uninstrumented libraries in tests/tsan.supp)
set(EVENTBOT_SANITIZE OFF CACHE STRING "Sanitizers: OFF, ON/address (ASan+UBSan), thread (TSan)")
set_property(CACHE EVENTBOT_SANITIZE PROPERTY STRINGS OFF ON address thread)
if(EVENTBOT_SANITIZE STREQUAL "thread")
  # -Wno-tsan: GCC warns that TSan does not model std::atomic_thread_fence, which
  # Boost.Asio's handler invocation uses; Asio's queues are guarded by mutexes TSan sees.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
elseif(EVENTBOT_SANITIZE STREQUAL "address" OR EVENTBOT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
