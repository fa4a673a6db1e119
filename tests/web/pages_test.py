#!/usr/bin/python3
"""Eventbot's web pages in a real browser: headless Debian Chromium driven by Debian's
python3-selenium and chromium-driver, against a running master (started by
tests/master/web_pages_e2e_test.cpp, which passes its URL). One scenario per run:

  pages_test.py URL SCENARIO [--master-dir DIR --eventbot BIN] [--screenshots DIR]

Prints "ok: ..." for each check and "metric: NAME VALUE" for timings (never asserted);
exits 0 when every check held, 1 with "FAIL: ..." otherwise (a screenshot of the page
then goes to $EVENTBOT_WEB_ARTIFACTS if set).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,900",
]


class Failed(Exception):
    pass


def browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--user-data-dir=" + profile)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(what, condition, timeout=30.0):
    """Polls `condition` until it returns something true, or fails with `what`."""
    until = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except WebDriverException as error:  # a page between two renders
            last_error = error
        if time.monotonic() > until:
            raise Failed(f"timed out waiting for {what}" + (f" ({last_error.msg})" if last_error else ""))
        time.sleep(0.05)


def ok(message):
    print("ok:", message, flush=True)


class Pages:
    def __init__(self, driver, url, args):
        self.d = driver
        self.url = url.rstrip("/")
        self.args = args

    def go(self, hash_path):
        self.d.get(self.url + "/#" + hash_path)
        wait("the page to render", lambda: not self.d.find_elements(By.CSS_SELECTOR, "main .loading"))

    def text(self, css="main"):
        return self.d.find_element(By.CSS_SELECTOR, css).text

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def api(self, path):
        return self.js("return fetch('/api/v2/' + arguments[0]).then(r => r.json())", path)

    def post(self, path, method, params):
        """A JSON-RPC action from the page (with the session's CSRF token if logged in):
        [status, body]."""
        return self.d.execute_async_script("""
            const [path, method, params, done] = arguments;
            const quiet = {'X-Requested-With': 'XMLHttpRequest'};
            fetch('/auth/me', {headers: quiet}).then(r => r.json()).then(me => fetch('/api/v2/' + path, {
              method: 'POST', headers: {...quiet, 'Content-Type': 'application/json',
                'X-CSRF-Token': me.csrf_token || ''},
              body: JSON.stringify({jsonrpc: '2.0', method, params, id: 1})}))
            .then(async r => done([r.status, await r.text()]))
            .catch(e => done([0, String(e)]));""", path, method, params)

    def builder_id(self, name):
        return self.api("builders/" + name)["builders"][0]["builderid"]

    def latest_build(self, builder):
        builds = self.api(f"builders/{builder}/builds?order=-number&limit=1")["builds"]
        return builds[0] if builds else None

    def force_with_form(self, builder):
        self.go(f"/builders/{builder}")
        form = wait("the force form", lambda: self.d.find_element(By.CSS_SELECTOR, "form.force"))
        reason = form.find_element(By.CSS_SELECTOR, "input[name=reason]")
        reason.clear()
        reason.send_keys("forced from the browser test")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait("the force answer", lambda: "forced" in form.find_element(By.CSS_SELECTOR, ".action-result").text)

    def login(self, user, password):
        self.go("/login")
        self.d.find_element(By.ID, "username").send_keys(user)
        self.d.find_element(By.ID, "password").send_keys(password + Keys.ENTER)
        wait("the logged-in user in the header", lambda: user in self.text("#who"))

    def shot(self, name):
        if self.args.screenshots:
            os.makedirs(self.args.screenshots, exist_ok=True)
            self.d.save_screenshot(os.path.join(self.args.screenshots, name + ".png"))


def scenario_live(p):
    """Home lists the builder; a forced build appears live on home (no reload) and on
    the waterfall; its log lines arrive on the build page while it runs."""
    p.go("/")
    wait("the example builder on home", lambda: "example" in p.text())
    ok("home lists the example builder")
    p.js("window.__sameDocument = 42")
    for builder in ("example", "failing"):
        status, body = p.post("forceschedulers/force", "force", {"builderNames": [builder], "reason": "live"})
        if status != 200:
            raise Failed(f"force answered {status}: {body}")
    wait("the running build on home, live", lambda: "compile" in p.text("main section:nth-of-type(2)"))
    if p.js("return window.__sameDocument") != 42:
        raise Failed("home reloaded instead of updating live")
    ok("the forced build appears live on home with its current step")
    p.shot("home")
    p.go("/waterfall")
    wait("the running build on the waterfall", lambda: p.d.find_elements(By.CSS_SELECTOR, "td.cell.r-running"))
    ok("the running build is yellow on the waterfall")
    build = p.latest_build("example")
    p.go(f"/builders/{build['builderid']}/builds/{build['number']}")
    tail = wait("the log tail", lambda: p.d.find_element(By.ID, "log-tail"))
    first = wait("a first log line", lambda: [l for l in tail.text.split("\n") if l.startswith("compile line")])
    wait("more log lines arriving live",
         lambda: len([l for l in tail.text.split("\n") if l.startswith("compile line")]) > len(first) + 2)
    ok(f"log lines arrive on the build page while the step runs ({len(first)} then more)")
    wait("twenty lines", lambda: "compile line 20" in tail.text, 30)
    p.shot("build")
    p.d.find_element(By.CSS_SELECTOR, "a.loglink").click()
    view = wait("the log viewer", lambda: p.d.find_element(By.ID, "log-view"))
    lines = wait("the log's line count", lambda: int(view.get_attribute("data-num-lines") or 0))
    wait("the log viewer following new lines",
         lambda: int(view.get_attribute("data-num-lines")) >= lines + 3
         and "compile line" in p.d.find_elements(By.CSS_SELECTOR, "#log-view .line")[-1].text, 30)
    ok(f"the log viewer follows the running step ({lines} lines, then {view.get_attribute('data-num-lines')})")
    p.d.back()
    wait("the build page again", lambda: p.d.find_elements(By.ID, "log-tail"))
    wait("the build to finish green", lambda: p.js("return document.body.dataset.buildResult") == "success", 60)
    ok("the build page shows the build's success when it ends")
    p.go("/waterfall")
    wait("the finished build on the waterfall", lambda: p.d.find_elements(By.CSS_SELECTOR, "td.cell.r-success"))
    ok("the finished build is green on the waterfall")
    wait("the finished build's steps as boxes on the waterfall",
         lambda: p.d.find_elements(By.CSS_SELECTOR, "td.cell.r-success .step.r-success"))
    ok("the finished build's steps are boxes on the waterfall")
    p.shot("waterfall")


def red(rgb):
    values = [int(float(v)) for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    return values[0] > 150 and values[1] < 100 and values[2] < 100, values


def scenario_failure(p):
    """The force form starts a build of a failing builder; its page shows it red."""
    p.force_with_form("failing")
    ok("the force form forces a build")
    build = wait("the failing build", lambda: p.latest_build("failing"))
    wait("the build to end", lambda: p.api(f"builds/{build['buildid']}")["builds"][0]["complete"], 60)
    p.go(f"/builds/{build['buildid']}")
    badge = wait("the result badge", lambda: p.d.find_element(By.CSS_SELECTOR, "#build-result .badge"))
    if badge.text != "failure":
        raise Failed("the badge says " + badge.text)
    is_red, values = red(badge.value_of_css_property("color"))
    if not is_red:
        raise Failed(f"the failure badge is not red: {values}")
    ok(f"a failing build is red (rgb {values})")
    p.d.find_element(By.ID, "tab-events").click()
    wait("the build's events", lambda: "build_finished" in p.text("#panel-events")
         or "buildFinished" in p.text("#panel-events"), 30)
    ok("the events tab lists the build's own events with their sequences")
    p.d.find_element(By.ID, "tab-why").click()
    wait("the why chain", lambda: "forced" in p.text("#panel-why").lower() or "force" in p.text("#panel-why"))
    ok("the why tab shows the reason chain")
    for name, path in [("builder", f"/builders/{build['builderid']}"), ("slaves", "/slaves"),
                       ("changes", "/changes"), ("requests", "/requests"), ("masters", "/masters"),
                       ("schedulers", "/schedulers"), ("console", "/console")]:
        p.go(path)
        wait(name + " page heading", lambda: p.d.find_elements(By.CSS_SELECTOR, "main h1"))
        if "Error" == p.text("main h1"):
            raise Failed(f"{name} page: {p.text()}")
    ok("every list page renders")
    p.d.set_window_size(375, 800)
    p.go("/")
    width = p.js("return document.documentElement.scrollWidth")
    if width > 380:
        raise Failed(f"home is {width} px wide at 375 px")
    ok(f"home fits 375 px (scrollWidth {width})")
    p.d.execute_cdp_cmd("Emulation.setEmulatedMedia",
                        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    p.shot("home-phone-dark")
    background = p.js("return getComputedStyle(document.body).backgroundColor")
    if background not in ("rgb(13, 17, 23)",):
        raise Failed("the dark theme is not applied: " + background)
    ok("the dark theme follows prefers-color-scheme")


def scenario_stop(p):
    """An anonymous user is not offered stop and the server refuses it; logged in as an
    admin, stop works."""
    p.go("/")
    status, body = p.post("forceschedulers/force", "force", {"builderNames": ["long"], "reason": "to stop"})
    if status != 200:
        raise Failed(f"force answered {status}: {body}")
    build = wait("the running build", lambda: (lambda b: b if b and not b["complete"] else None)(p.latest_build("long")))
    p.go(f"/builds/{build['buildid']}")
    wait("the build page", lambda: p.d.find_elements(By.ID, "log-tail"))
    if p.d.find_elements(By.CSS_SELECTOR, "button.action-stop"):
        raise Failed("an anonymous user is offered stop")
    ok("an anonymous user is not offered stop")
    status, body = p.post(f"builds/{build['buildid']}", "stop", {"reason": "anonymous"})
    if status != 401:
        raise Failed(f"the server let an anonymous user stop: {status} {body}")
    ok(f"the server refuses an anonymous stop ({status})")
    p.login(p.args.user, p.args.password)
    ok("logged in")
    p.go(f"/builds/{build['buildid']}")
    stop = wait("the stop button", lambda: p.d.find_element(By.CSS_SELECTOR, "button.action-stop"))
    stop.click()
    wait("the build to end stopped", lambda: p.js("return document.body.dataset.buildResult") in
         ("cancelled", "exception", "failure"), 30)
    ok("logged in as admin, stop works: " + p.js("return document.body.dataset.buildResult"))
    p.d.find_element(By.ID, "logout").click()
    wait("the log-in link again", lambda: p.d.find_elements(By.ID, "login-link"))
    ok("log out")


def scenario_biglog(p):
    """A log of about 100 MB opens and scrolls to its end; the times are reported."""
    build = wait("the big build to end", lambda: (lambda b: b if b and b["complete"] else None)(p.latest_build("biglog")), 300)
    steps = p.api(f"builds/{build['buildid']}/steps")["steps"]
    logs = p.api(f"builds/{build['buildid']}/steps/{steps[0]['number']}/logs")["logs"]
    logid = logs[0]["logid"]
    p.go("/")
    started = time.monotonic()
    p.d.get(p.url + f"/#/logs/{logid}")
    view = wait("the log view", lambda: p.d.find_element(By.ID, "log-view"), 60)
    wait("the first lines", lambda: p.d.find_elements(By.CSS_SELECTOR, "#log-view .line .tx")
         and "…" not in p.d.find_element(By.CSS_SELECTOR, "#log-view .line .tx").text, 60)
    opened = time.monotonic() - started
    lines = int(view.get_attribute("data-num-lines"))
    print(f"metric: big_log_open_seconds {opened:.2f} ({lines} lines)", flush=True)
    if lines < 1_000_000:
        raise Failed(f"the big log has only {lines} lines")
    started = time.monotonic()
    view.send_keys(Keys.END)
    wait("the last line rendered", lambda: view.get_attribute("data-last-loaded") == str(lines), 60)
    scrolled = time.monotonic() - started
    print(f"metric: big_log_scroll_to_end_seconds {scrolled:.2f}", flush=True)
    last = p.d.find_elements(By.CSS_SELECTOR, "#log-view .line")[-1].text
    ok(f"the {lines}-line log opens and scrolls to its end: {last[:60]!r}")
    p.shot("log")


def scenario_restart(p):
    """The page survives a master restart: a reconnecting notice, then live again."""
    p.go("/")
    wait("home", lambda: "example" in p.text())
    p.js("window.__sameDocument = 7")
    subprocess.run([p.args.eventbot, "stop", p.args.master_dir], check=True, capture_output=True)
    wait("the reconnecting notice", lambda: p.d.find_element(By.ID, "notice").is_displayed()
         and "Reconnecting" in p.text("#notice"), 30)
    ok("a reconnecting notice while the master is down")
    subprocess.run([p.args.eventbot, "start", p.args.master_dir], check=True, capture_output=True)
    wait("the notice to go", lambda: not p.d.find_element(By.ID, "notice").is_displayed(), 60)
    ok("the notice goes once the master is back")
    status, body = wait("a force after the restart", lambda: (lambda r: r if r[0] == 200 else None)(
        p.post("forceschedulers/force", "force", {"builderNames": ["example"], "reason": "after restart"})), 60)
    wait("the new build live on home", lambda: "compile" in p.text("main section:nth-of-type(2)"), 60)
    if p.js("return window.__sameDocument") != 7:
        raise Failed("the page reloaded")
    ok("the page resumed live updates after the restart without reloading")


def task_seconds(p):
    metrics = p.d.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "TaskDuration")


def scenario_bench(p):
    """Not a check: the figures of docs/PERFORMANCE.md. Forces every `stream*` builder
    (each streams a line every 0.1 s for a minute), then times the first render of home
    and the waterfall and measures the browser's main-thread CPU on each page for 10 s
    (Chrome DevTools Protocol's Performance.getMetrics, TaskDuration)."""
    def first_render(name, path, ready):
        p.d.get("about:blank")
        started = time.monotonic()
        p.d.get(p.url + "/#" + path)
        wait(name + " rendered", lambda: p.d.find_elements(By.CSS_SELECTOR, ready), 60)
        seconds = time.monotonic() - started
        # Where the time went: the browser's own clock at the render, the requests made,
        # the slowest /api/v2 answer.
        at, count, slowest = p.js("""const r = performance.getEntriesByType('resource');
            const api = r.filter((e) => e.name.includes('/api/v2/')).map((e) => e.duration);
            return [performance.now(), r.length, Math.max(0, ...api)];""")
        print(f"metric: first_render_{name}_seconds {seconds:.2f} (page clock {at / 1000:.2f} s, "
              f"{count} requests, slowest API answer {slowest / 1000:.2f} s)", flush=True)

    names = [b["name"] for b in p.api("builders")["builders"] if b["name"].startswith("stream")]
    first_render("home_idle", "/", "main section table")
    status, body = p.post("forceschedulers/force", "force", {"builderNames": names, "reason": "bench"})
    if status != 200:
        raise Failed(f"force answered {status}: {body}")
    wait("every streaming build running", lambda: p.api("builds?complete=false")["meta"]["total"] >= len(names), 120)
    print(f"metric: builders {len(p.api('builders')['builders'])} running {len(names)}", flush=True)
    p.d.execute_cdp_cmd("Performance.enable", {})
    pages = [("home", "/", "main section table"), ("waterfall", "/waterfall", "table.waterfall")]
    build = p.api("builds?complete=false&limit=1")["builds"][0]
    pages.append(("build", f"/builds/{build['buildid']}", "#log-tail"))
    for name, path, ready in pages:
        first_render(name, path, ready)
        time.sleep(2)  # settle: the first reads after the render
        before, at = task_seconds(p), time.monotonic()
        time.sleep(10)
        share = (task_seconds(p) - before) / (time.monotonic() - at)
        print(f"metric: cpu_{name}_percent_of_a_core {100 * share:.1f}", flush=True)
    ok("bench figures printed")


SCENARIOS = {"live": scenario_live, "failure": scenario_failure, "stop": scenario_stop,
             "biglog": scenario_biglog, "restart": scenario_restart, "bench": scenario_bench}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--master-dir")
    parser.add_argument("--eventbot")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="")
    parser.add_argument("--screenshots", default=os.environ.get("EVENTBOT_SCREENSHOTS"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eventbot-chromium-") as profile:
        driver = browser(profile)
        pages = Pages(driver, args.url, args)
        try:
            pages.go("/")  # the scenarios' fetches need the page's origin
            SCENARIOS[args.scenario](pages)
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"
                      and "favicon" not in e["message"] and "/ws" not in e["message"]
                      and "401" not in e["message"]]
            for e in errors:
                print("browser console:", e["message"], flush=True)
            print("PASS", args.scenario, flush=True)
            return 0
        except (Failed, WebDriverException) as error:
            print("FAIL:", args.scenario, str(error).split("\n")[0], flush=True)
            for e in driver.get_log("browser"):
                print("browser console:", e["message"], flush=True)
            artifacts = os.environ.get("EVENTBOT_WEB_ARTIFACTS")
            if artifacts:
                os.makedirs(artifacts, exist_ok=True)
                driver.save_screenshot(os.path.join(artifacts, f"failed-{args.scenario}.png"))
            print("page text:", driver.find_element(By.TAG_NAME, "body").text[:2000], flush=True)
            return 1
        finally:
            driver.quit()


if __name__ == "__main__":
    sys.exit(main())
