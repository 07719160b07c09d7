#define _GNU_SOURCE
#include "CShims.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int cshim_signalfd(const sigset_t *mask) {
    return signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

int cshim_signalfd_read(int fd, cshim_siginfo *out) {
    struct signalfd_siginfo info;
    for (;;) {
        ssize_t n = read(fd, &info, sizeof info);
        if (n == (ssize_t)sizeof info) {
            out->signo = (int32_t)info.ssi_signo;
            out->pid = (int32_t)info.ssi_pid;
            out->code = info.ssi_code;
            out->status = info.ssi_status;
            return 1;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (n >= 0) errno = EIO;
        return -1;
    }
}

int cshim_set_pdeathsig(int signo) { return prctl(PR_SET_PDEATHSIG, (unsigned long)signo, 0, 0, 0); }
int cshim_set_child_subreaper(int on) { return prctl(PR_SET_CHILD_SUBREAPER, (unsigned long)on, 0, 0, 0); }
int cshim_set_name(const char *name) { return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); }

int cshim_wifexited(int status) { return WIFEXITED(status); }
int cshim_wexitstatus(int status) { return WEXITSTATUS(status); }
int cshim_wifsignaled(int status) { return WIFSIGNALED(status); }
int cshim_wtermsig(int status) { return WTERMSIG(status); }
int cshim_wifstopped(int status) { return WIFSTOPPED(status); }

int cshim_accept_nonblock(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int cshim_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int cshim_setns_net(int fd) {
    return setns(fd, CLONE_NEWNET);
}

int cshim_pidfd_send_signal(int pidfd, int signo) {
#ifdef SYS_pidfd_send_signal
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signo, NULL, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

uint32_t cshim_epollin(void) { return EPOLLIN; }
uint32_t cshim_epollout(void) { return EPOLLOUT; }
uint32_t cshim_epollerr(void) { return EPOLLERR; }
uint32_t cshim_epollhup(void) { return EPOLLHUP; }
uint32_t cshim_epollrdhup(void) { return EPOLLRDHUP; }
uint32_t cshim_epollexclusive(void) { return EPOLLEXCLUSIVE; }
uint32_t cshim_epollet(void) { return EPOLLET; }
uint32_t cshim_epolloneshot(void) { return EPOLLONESHOT; }

int cshim_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static int epoll_op(int epfd, int op, int fd, uint32_t events) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = 0;
    ev.data.fd = fd;
    return epoll_ctl(epfd, op, fd, &ev);
}

int cshim_epoll_add(int epfd, int fd, uint32_t events) { return epoll_op(epfd, EPOLL_CTL_ADD, fd, events); }
int cshim_epoll_mod(int epfd, int fd, uint32_t events) { return epoll_op(epfd, EPOLL_CTL_MOD, fd, events); }
int cshim_epoll_del(int epfd, int fd) { return epoll_op(epfd, EPOLL_CTL_DEL, fd, 0); }

int cshim_epoll_wait(int epfd, int32_t *fds, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event ready[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, ready, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        fds[i] = ready[i].data.fd;
        events[i] = ready[i].events;
    }
    return n;
}

long cshim_sendfile(int out_fd, int in_fd, int64_t *offset, size_t count) {
    off_t off = (off_t)*offset;
    ssize_t n = sendfile(out_fd, in_fd, &off, count);
    *offset = (int64_t)off;
    return (long)n;
}

int cshim_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
int cshim_mkostemp_cloexec(char *template_path) { return mkostemp(template_path, O_CLOEXEC); }
int cshim_spawn_addclosefrom(void *file_actions, int lowfd) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)file_actions, lowfd);
#else
    (void)file_actions; (void)lowfd;
    return ENOSYS;
#endif
}
// close_range(2) from `first` around `keep`; -1 where the kernel lacks it.
static int close_others(int first, int keep) {
#ifdef SYS_close_range
    if (keep > first && syscall(SYS_close_range, (unsigned)first, (unsigned)(keep - 1), 0u) != 0) return -1;
    return (int)syscall(SYS_close_range, (unsigned)(keep + 1), ~0u, 0u);
#else
    (void)first; (void)keep;
    return -1;
#endif
}

// In a forked child before exec: default dispositions, nothing blocked.
static void reset_signals(void) {
    sigset_t none;
    sigemptyset(&none);
    struct sigaction dfl;
    dfl.sa_handler = SIG_DFL;
    dfl.sa_flags = 0;
    sigemptyset(&dfl.sa_mask);
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL);
    }
    sigprocmask(SIG_SETMASK, &none, NULL);
}

int cshim_spawn_guarded(const char *path, char *const argv[], char *const envp[],
                        int stdin_fd, int stdout_fd, int stderr_fd,
                        int new_pgroup, int death_signal, int listen_fd) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(report[0]);
        close(report[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        if (new_pgroup) setpgid(0, 0);
        if (death_signal > 0) {
            prctl(PR_SET_PDEATHSIG, (unsigned long)death_signal, 0, 0, 0);
            if (getppid() != parent) _exit(127);  // the parent is already gone
        }
        reset_signals();
        if (dup2(stdin_fd, 0) < 0 || dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) goto fail;
        int first = 3;
        if (listen_fd >= 0) {
            // The report pipe must not sit on 3; the socket goes there via a
            // copy above both, so dup2 never meets itself (which would keep
            // close-on-exec).
            if (report[1] == 3) {
                report[1] = fcntl(3, F_DUPFD_CLOEXEC, 4);
                if (report[1] < 0) _exit(127);
            }
            int copy = fcntl(listen_fd, F_DUPFD_CLOEXEC, report[1] + 1);
            if (copy < 0 || dup2(copy, 3) < 0) goto fail;
            first = 4;
        }
        // Everything else closes, except the report pipe (close-on-exec).
        if (close_others(first, report[1]) != 0) {
            for (int fd = first; fd < 65536; fd++) {
                if (fd != report[1]) close(fd);
            }
        }
        execve(path, argv, envp);
    fail:;
        int code = errno;
        ssize_t ignored = write(report[1], &code, sizeof code);
        (void)ignored;
        _exit(127);
    }
    close(report[1]);
    int code = 0;
    ssize_t n;
    do { n = read(report[0], &code, sizeof code); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof code) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        errno = code;
        return -1;
    }
    return pid;
}

int cshim_fork_exec_upgrade(const char *path, char *const argv[], char *envp[],
                            const char *dir, int listen_fd, int ready_fd) {
    pid_t pid = fork();
    if (pid != 0) {
        // Both sides set the group, so it exists before either goes on.
        if (pid > 0) setpgid(pid, pid);
        return pid;
    }
    setpgid(0, 0);
    reset_signals();
    if (dir != NULL && chdir(dir) != 0) _exit(127);
    // Copies above 4 first, so dup2 onto 3 and 4 never meets itself (dup2 of
    // an fd onto itself would keep its close-on-exec flag).
    int listen_copy = fcntl(listen_fd, F_DUPFD_CLOEXEC, 5);
    int ready_copy = fcntl(ready_fd, F_DUPFD_CLOEXEC, 5);
    if (listen_copy < 0 || ready_copy < 0) _exit(127);
    if (dup2(listen_copy, 3) < 0 || dup2(ready_copy, 4) < 0) _exit(127);
#ifdef SYS_close_range
    syscall(SYS_close_range, 5u, ~0u, 0u);
#else
    for (int fd = 5; fd < 65536; fd++) close(fd);
#endif
    char listen_pid[32];
    snprintf(listen_pid, sizeof listen_pid, "LISTEN_PID=%d", (int)getpid());
    int slot = 0;
    while (envp[slot] != NULL) slot++;
    envp[slot] = listen_pid;
    execve(path, argv, envp);
    _exit(127);
}

int cshim_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int cshim_msg_nosignal(void) { return MSG_NOSIGNAL; }

int cshim_errno(void) { return errno; }

int cshim_prlimit_nofile(pid_t pid, int64_t new_soft, int64_t new_hard, uint64_t *old_soft, uint64_t *old_hard) {
    struct rlimit old, next = { .rlim_cur = (rlim_t)new_soft, .rlim_max = (rlim_t)new_hard };
    if (prlimit(pid, RLIMIT_NOFILE, new_soft < 0 ? NULL : &next, &old) != 0) return -1;
    *old_soft = old.rlim_cur;
    *old_hard = old.rlim_max;
    return 0;
}
