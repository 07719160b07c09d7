/// The part of `--help` below the flags: signals, contracts, exit statuses.
enum HelpText {
    static let discussion = """
    SIGNALS (to the master)
      INT, TERM, HUP  graceful stop: close the listener, TERM the workers (they finish
                      in-flight requests), KILL what is left after --graceful-timeout,
                      remove the pid file, exit 0. The same signal again: immediate stop.
      QUIT            immediate stop: KILL the workers, reap, exit 0.
      TTIN / TTOU     one worker more / less (never below 1).
      USR1            reopen the log file (logrotate), in the master and every worker.

    READY LINE (stdout, once every worker is up)
      preforkd ready pid=<master pid> url=http://<host>:<port>/ workers=<n>

    EXIT STATUS
      master: 0 after a clean stop; 1 when startup failed (bind, pid file, boot);
              64 for a bad flag.
      worker: 0 retired or stopped; 3 failed to boot (the master backs off).
    """
}
