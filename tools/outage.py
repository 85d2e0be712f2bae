#!/usr/bin/env python3
"""Outage drills against real processes: a private redis-server (AOF) and N silos (json output).

  tools/outage.py cluster [--messages 10000] [--down 120] [--silos 2]
      Schedules the messages due over the next `--down` seconds (several minutes = several slots),
      stops every silo (SIGTERM), keeps the cluster down until all of them are overdue, starts the
      silos again and reports: printed once, order, first print after the first silo is ready,
      drain time.

  tools/outage.py redis [--down 10] [--rate 200] [--silos 2] [--appendfsync always]
      Posts --rate messages/s (due 1-5 s ahead) for 30 s; 10 s in, Redis is killed (-9) and kept
      down for --down seconds, then restarted on the same port and data dir. Reports 202s and 503s
      during the outage and checks every 202 message printed once.

Exit code 1 when a message is lost, repeated unflagged, printed early or out of order.
Builds Release first. Binds to 127.0.0.1 only; stops what it started by pid.
"""
import argparse, datetime, json, os, random, shutil, signal, socket, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SILO_DLL = os.path.join(ROOT, "src/Silo/bin/Release/net10.0/EchoAtTime.Silo.dll")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def now_ms():
    return int(time.time() * 1000)


def iso_ms(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


class Redis:
    def __init__(self, workdir, appendfsync):
        self.port, self.dir, self.fsync, self.proc = free_port(), workdir, appendfsync, None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
             "--appendonly", "yes", "--appendfsync", self.fsync], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip() != b"PONG":
            if time.time() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Silo:
    """One silo slot (fixed ports); every process instance's stdout is kept."""

    def __init__(self, index, redis_port, cluster, workdir):
        self.index, self.http, self.cluster, self.workdir = index, free_port(), cluster, workdir
        self.silo_port, self.gateway_port = free_port(), free_port()
        self.redis_port, self.proc, self.lines, self.instances = redis_port, None, [], 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http}"

    def start(self):
        env = dict(os.environ, Redis__ConnectionString=f"127.0.0.1:{self.redis_port}", Orleans__ClusterId=self.cluster,
                   Orleans__SiloPort=str(self.silo_port), Orleans__GatewayPort=str(self.gateway_port), Echo__Output="json")
        self.instances += 1
        err = open(os.path.join(self.workdir, f"silo{self.index}.{self.instances}.err"), "w")
        self.proc = subprocess.Popen(["dotnet", SILO_DLL, "--urls", self.url], stdout=subprocess.PIPE, stderr=err,
                                     env=env, cwd=self.workdir, text=True, bufsize=1)
        proc = self.proc
        threading.Thread(target=lambda: self.lines.extend(proc.stdout), daemon=True).start()

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/health/ready", timeout=2) as r:
                    if r.status == 200:
                        return now_ms()
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"silo {self.index} not ready")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def post(url, body, path="/echoAtTime"):
    data = json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, None


def check(silos, accepted):
    """accepted: message text -> (id, due ms). Returns (problems, printed lines by text)."""
    lines = []
    for s in silos:
        for raw in list(s.lines):
            lines.append(json.loads(raw))
    problems, by_text = [], {}
    for line in lines:
        by_text.setdefault(line["message"], []).append(line)
    for text, (mid, due) in accepted.items():
        got = by_text.get(text, [])
        unflagged = [l for l in got if not l["redelivered"]]
        if not got:
            problems.append(f"lost {mid}")
        elif len(unflagged) != 1:
            problems.append(f"{mid} printed {len(unflagged)} times unflagged")
        for l in got:
            if iso_ms(l["printedAt"]) < iso_ms(l["dueAt"]):
                problems.append(f"early {mid}")
    ordered = sorted(((iso_ms(l["printedAt"]), l) for l in lines if not l["redelivered"]), key=lambda pl: pl[0])
    best, breaks = None, 0
    for printed, l in ordered:
        key = (iso_ms(l["dueAt"]), int(l["id"].split("-")[1]))
        if best and key < best[0] and printed > best[1]:
            breaks += 1
        if not best or key > best[0]:
            best = (key, printed)
    if breaks:
        problems.append(f"{breaks} order breaks")
    return problems, by_text


def cluster_drill(args, redis, silos):
    n, down = args.messages, args.down
    t0 = now_ms() + 2000
    accepted = {}
    for start in range(0, n, 1000):
        batch = [{"time": t0 + (down * 1000 - 4000) * i // n, "message": f"drill {i:06d}"} for i in range(start, min(n, start + 1000))]
        status, body = post(silos[start // 1000 % len(silos)].url, batch, "/echoAtTime/batch")
        assert status == 202, f"batch answered {status}"
        for item, res in zip(batch, body):
            accepted[item["message"]] = (res["id"], item["time"])
    last_due = max(d for _, d in accepted.values())
    slots = len({d // 60000 for _, d in accepted.values()})
    print(f"scheduled {n} messages over {slots} minute slots; stopping every silo")
    stopped = now_ms()
    for s in silos:
        s.stop()
    while now_ms() < max(last_due + 1000, stopped + down * 1000):
        time.sleep(0.5)
    print(f"cluster was down {(now_ms() - stopped) / 1000:.0f} s; starting {len(silos)} silos")
    for s in silos:
        s.start()
    ready = min(s.wait_ready() for s in silos)
    deadline = time.time() + 120
    while time.time() < deadline and sum(len(s.lines) for s in silos) < n:
        time.sleep(0.2)
    problems, by_text = check(silos, accepted)
    printed = [iso_ms(l["printedAt"]) for ls in by_text.values() for l in ls if iso_ms(l["printedAt"]) >= ready - 2000]
    if printed:
        print(f"after restart: {len(printed)} printed; first {min(printed) - ready} ms after the first silo was ready; "
              f"all within {max(printed) - min(printed)} ms ({len(printed) * 1000 // max(1, max(printed) - min(printed))} msg/s)")
    return problems


def redis_drill(args, redis, silos):
    accepted, lock, codes = {}, threading.Lock(), {"before": {}, "during": {}, "after": {}}
    phase = ["before"]

    def load():
        i, end = 0, time.time() + 30
        while time.time() < end:
            text = f"load {i:06d}"
            status, body = post(random.choice(silos).url, {"time": now_ms() + random.randint(1000, 5000), "message": text})
            with lock:
                codes[phase[0]][status] = codes[phase[0]].get(status, 0) + 1
                if status == 202:
                    accepted[text] = (body["id"], iso_ms(body["dueAt"]))
            i += 1
            time.sleep(1 / args.rate)

    worker = threading.Thread(target=load)
    worker.start()
    time.sleep(10)  # the drill's own timeline: load for 10 s, then the outage
    phase[0] = "during"
    redis.kill()
    print(f"redis killed (-9); down for {args.down} s")
    time.sleep(args.down)
    redis.start()
    phase[0] = "after"
    print("redis restarted")
    worker.join()
    last_due = max(d for _, d in accepted.values())
    while now_ms() < last_due + 15000 and sum(len(s.lines) for s in silos) < len(accepted):
        time.sleep(0.2)
    print("HTTP answers by phase:", json.dumps(codes))
    alive = all(s.proc.poll() is None for s in silos) and all(s.instances == 1 for s in silos)
    print(f"silos stayed up: {alive}; accepted {len(accepted)}")
    problems, _ = check(silos, accepted)
    if codes["during"].get(202, 0):
        problems.append(f"{codes['during'][202]} answers were 202 while Redis was down")
    if not alive:
        problems.append("a silo exited")
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("drill", choices=["cluster", "redis"])
    p.add_argument("--messages", type=int, default=10000)
    p.add_argument("--down", type=int, default=None)
    p.add_argument("--rate", type=int, default=200)
    p.add_argument("--silos", type=int, default=2)
    p.add_argument("--appendfsync", default="always", choices=["always", "everysec"])
    args = p.parse_args()
    args.down = args.down or (120 if args.drill == "cluster" else 10)
    subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src/Silo"), "-v", "q", "-nologo"], check=True,
                   stdout=subprocess.DEVNULL)
    workdir = tempfile.mkdtemp(prefix="echo-outage-")
    redis = Redis(workdir, args.appendfsync)
    silos = []
    try:
        redis.start()
        cluster = f"outage-{random.getrandbits(32):08x}"
        silos = [Silo(i, redis.port, cluster, workdir) for i in range(args.silos)]
        for s in silos:
            s.start()
        for s in silos:
            s.wait_ready()
        problems = (cluster_drill if args.drill == "cluster" else redis_drill)(args, redis, silos)
    finally:
        for s in silos:
            s.stop()
        redis.kill()
    print("RESULT:", "ok" if not problems else "; ".join(problems[:20]))
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
