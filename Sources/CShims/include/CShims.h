// C glue for the few Linux calls Swift cannot import: macros, variadic
// functions and headers Glibc's module map leaves out. Each function is a
// one-line pass-through; the Swift side (Prefork.Posix, Harness) adds EINTR
// retry and typed errors. Keep this header tiny.
#ifndef PREFORKD_CSHIMS_H
#define PREFORKD_CSHIMS_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

// signalfd(2): create a descriptor that reads the signals in `mask`
// (non-blocking, close-on-exec). Returns -1 and sets errno on failure.
int cshim_signalfd(const sigset_t *mask);

/// One signal read from a signalfd: the fields the master uses.
typedef struct {
    int32_t signo;
    int32_t pid;
    int32_t code;
    int32_t status;
} cshim_siginfo;

// Reads one signalfd_siginfo. Returns 1 if a signal was read, 0 if none is
// pending (EAGAIN), -1 with errno on error.
int cshim_signalfd_read(int fd, cshim_siginfo *out);

// prctl(2) wrappers (prctl is variadic).
int cshim_set_pdeathsig(int signo);
int cshim_set_child_subreaper(int on);
int cshim_set_name(const char *name);

// wait(2) status macros.
int cshim_wifexited(int status);
int cshim_wexitstatus(int status);
int cshim_wifsignaled(int status);
int cshim_wtermsig(int status);
int cshim_wifstopped(int status);

// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC.
int cshim_accept_nonblock(int fd, struct sockaddr *addr, socklen_t *len);

// pidfd_open(2) / pidfd_send_signal(2) via syscall(2); -1 + ENOSYS when absent.
int cshim_pidfd_open(pid_t pid);
int cshim_pidfd_send_signal(int pidfd, int signo);

// setns(2) into a network namespace (CLONE_NEWNET); affects the calling thread only.
int cshim_setns_net(int fd);

// epoll flag values (enum members that import awkwardly).
uint32_t cshim_epollin(void);
uint32_t cshim_epollout(void);
uint32_t cshim_epollerr(void);
uint32_t cshim_epollhup(void);
uint32_t cshim_epollrdhup(void);
uint32_t cshim_epollexclusive(void);
uint32_t cshim_epollet(void);
uint32_t cshim_epolloneshot(void);

// epoll(7) without touching the packed `struct epoll_event` from Swift.
// cshim_epoll_ctl: op is EPOLL_CTL_ADD/MOD/DEL (passed as 1/3/2 via the
// helpers below); the event's data is the descriptor itself.
int cshim_epoll_create(void);
int cshim_epoll_add(int epfd, int fd, uint32_t events);
int cshim_epoll_mod(int epfd, int fd, uint32_t events);
int cshim_epoll_del(int epfd, int fd);
// Waits like epoll_wait(2) and unpacks up to `max` ready descriptors and
// their event bits into two arrays. Returns the count, or -1 with errno.
int cshim_epoll_wait(int epfd, int32_t *fds, uint32_t *events, int max, int timeout_ms);

// sendfile(2) on Linux.
long cshim_sendfile(int out_fd, int in_fd, int64_t *offset, size_t count);

// Client-side helpers (Harness): GNU calls Glibc's module map hides.
// pipe2(O_CLOEXEC): both ends close-on-exec, atomically (no spawn race).
int cshim_pipe_cloexec(int fds[2]);
// mkostemp(template, O_CLOEXEC).
int cshim_mkostemp_cloexec(char *template_path);
// posix_spawn_file_actions_addclosefrom_np (glibc >= 2.34): close fds >= lowfd
// in the child. Returns ENOSYS when glibc lacks it.
int cshim_spawn_addclosefrom(void *file_actions, int lowfd);
// fork + execve for the harness, doing in the child only async-signal-safe
// calls: its own process group (when new_pgroup), PR_SET_PDEATHSIG(death_signal)
// so it dies with the spawning thread's process (call it from a thread that
// lives as long as the process), stdin/stdout/stderr from the given fds,
// every other fd closed except `listen_fd` (>= 0) passed as fd 3 (socket
// activation), signal mask empty and dispositions default. `path`
// must be absolute (resolve PATH before). Returns the pid, or -1 with errno
// (also the child's exec errno, reported through a close-on-exec pipe).
int cshim_spawn_guarded(const char *path, char *const argv[], char *const envp[],
                        int stdin_fd, int stdout_fd, int stderr_fd,
                        int new_pgroup, int death_signal, int listen_fd);

// The upgrade's fork + execve (master side, single threaded). The child gets
// its own process group (so the old master can kill the whole new generation
// on rollback), an empty signal mask and default dispositions, the listening
// socket on fd 3 and the readiness pipe on fd 4 (neither close-on-exec),
// `dir` as its working directory, every other fd >= 5 closed, and "LISTEN_PID=<its pid>" in the first NULL
// slot of `envp` (the caller leaves one before the terminating NULL). An
// exec failure ends the child with status 127. Returns the pid or -1 + errno.
int cshim_fork_exec_upgrade(const char *path, char *const argv[], char *envp[],
                            const char *dir, int listen_fd, int ready_fd);

// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC).
int cshim_eventfd(void);

// send(2) flag that turns SIGPIPE into EPIPE (an anonymous enum in glibc).
int cshim_msg_nosignal(void);

// prlimit(2) on RLIMIT_NOFILE of another process (chaos-run's fd-limit
// fault): stores the old soft and hard limits, then sets new_soft/new_hard
// unless new_soft < 0. Returns 0, or -1 with errno.
int cshim_prlimit_nofile(pid_t pid, int64_t new_soft, int64_t new_hard, uint64_t *old_soft, uint64_t *old_hard);

// errno access without Glibc's computed property in hot paths.
int cshim_errno(void);

#endif
