/// The part of `--help` below the flags, laid out like a man page: signals,
/// endpoints, files, exit statuses, examples.
enum HelpText {
    static let discussion = """
    A master binds one socket and pre-forks --workers processes that all accept
    from it. It reaps and respawns dead workers, retires each after --lifetime
    responses, SIGKILLs workers whose heartbeat is older than --timeout, and
    stops cleanly on INT, TERM or HUP.

    SIGNALS (to the master)
      INT, TERM, HUP  graceful stop: /__health turns 503; after --drain-delay
                      (workers serve normally meanwhile) close the listener,
                      TERM the workers (they finish in-flight requests), KILL
                      what is left after --graceful-timeout, remove the pid
                      file, exit 0. The same signal again (also during the
                      delay): immediate stop. HUP is a stop, not a reload.
                      During an upgrade the new master is stopped too.
      USR2            upgrade without downtime: exec the binary at the started
                      path (same arguments) with the listening socket as fd 3;
                      once its workers are up it takes the pid file and prints
                      its ready line, and this master drains and exits 0. If it
                      exits first, or is not ready within --upgrade-timeout, it
                      is killed (its whole process group) and this master keeps
                      serving (upgrade_failed). USR2 during an upgrade: ignored.
      QUIT            immediate stop: KILL the workers, reap, exit 0.
      TTIN / TTOU     one worker more / less (never below 1).
      USR1            reopen the event log and the access log (logrotate), in the
                      master and every worker.

    ENDPOINTS
      /__status       JSON scoreboard: pids, generations, served counts, counters.
      /__metrics      the same in Prometheus text format 0.0.4 (preforkd_*).
                      Both answer loopback clients only (127.0.0.0/8, ::1);
                      others get 404 unless --status-from-anywhere.
      /__health       200 "ready" while serving, 503 "draining" once a stop
                      (also during --drain-delay) or an upgrade's hand-over has
                      begun; for load balancers. Loopback only unless
                      --health-from-anywhere or --status-from-anywhere.
      /__fault/*      only with --fault-injection.

    READY LINE (stdout, once every worker is up)
      preforkd ready pid=<master pid> url=http://<host>:<port>/ workers=<n>
      With NOTIFY_SOCKET set (systemd Type=notify): READY=1 + MAINPID; STOPPING=1
      on stop. After USR2 the new master prints its own line on the same stdout.

    SOCKET ACTIVATION
      With LISTEN_FDS and LISTEN_PID=<our pid> (systemd, or a USR2 upgrade),
      fd 3 must be a listening TCP socket: it is served, --host and --port are
      ignored, and it is never shut down (its holder keeps it listening).

    ACCESS LOG (--access-log)
      One line per answered request, one write() each (lines never interleave).
      logfmt:   ts= peer= method= target= version= status= bytes= duration_us=
                pid= served= conn_request=
      combined: host - - [time] "request" status body_bytes "referer" "agent"
                duration_us= pid= served= conn_request=
      duration_us: from the worker's first sight of the request to the response
      being queued; bytes: the whole response as queued. Times are UTC.

    FILES
      --log-file      event log (logfmt); stderr, or /tmp/daemon.log with --daemon.
      --access-log    access log; off unless given.
      --pid-file      the master's pid; written atomically, removed on clean stop.
      Relative paths are made absolute at startup (--daemon does chdir /).

    EXIT STATUS
      master: 0 after a clean stop; 1 when startup failed (bind, pid file, boot);
              64 for a bad flag.
      worker: 0 retired or stopped; 3 failed to boot (the master backs off).

    EXAMPLES
      preforkd                    5 workers on http://127.0.0.1:1981/
      preforkd --port 8080 --workers 8 --lifetime 0 \\
               --access-log /var/log/preforkd/access.log
      preforkd --root ./public --access-log - --access-log-format combined
      preforkd --daemon --pid-file /run/preforkd.pid \\
               --log-file /var/log/preforkd/events.log
      kill -USR1 $(cat /run/preforkd.pid)       reopen logs after rotation
      kill -USR2 $(cat /run/preforkd.pid)       upgrade to the binary now on disk
      curl -s http://127.0.0.1:1981/__metrics   Prometheus scrape (loopback)
      See contrib/ for a systemd unit, a logrotate file and an embedding example.
    """
}
