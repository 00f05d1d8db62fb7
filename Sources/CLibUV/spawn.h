#ifndef AGORA_CLIBUV_SPAWN_H
#define AGORA_CLIBUV_SPAWN_H

/* Process creation without fork's copy of the parent's page tables: clone(2) with CLONE_VM | CLONE_VFORK (the
   child borrows the parent's memory until it execs, as posix_spawn does), optionally into fresh PID and mount
   namespaces, joining cgroups and setting up its standard descriptors in the child before the exec. The parent gets
   a pidfd, which becomes readable when the child ends and is reaped with waitid(P_PIDFD). */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>

/* glibc declares clone(2) only for _GNU_SOURCE, which the module is not built with. */
extern int clone(int (*function)(void *), void *stack, int flags, void *argument, ...);

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* What the child is to become. Descriptors of -1 mean /dev/null. */
struct agora_spawn_request {
    const char *file;          /* run as is when it holds a '/', else looked up in `search_path` */
    const char *search_path;   /* colon-separated directories (the child's PATH) */
    char *const *argv;
    char *const *envp;
    const char *cwd;           /* NULL keeps the parent's */
    int stdio[3];
    int new_session;           /* setsid(): its own session and process group */
    const int *cgroup_procs;   /* open cgroup.procs files the child writes "0" to before the exec */
    int cgroup_count;
    int pid_namespace;         /* new PID and mount namespaces, with its own /proc */
};

/* Written by the child (it shares the parent's memory until the exec), read by the parent once it resumes. */
struct agora_spawn_state {
    const struct agora_spawn_request *request;
    int error;
    const char *stage;
};

static inline void agora_spawn_fail(struct agora_spawn_state *state, const char *stage) {
    state->error = errno;
    state->stage = stage;
    _exit(127);
}

static inline int agora_spawn_child(void *argument) {
    struct agora_spawn_state *state = argument;
    const struct agora_spawn_request *request = state->request;
    /* Nothing of the parent's signal handling survives: default dispositions (as libuv's children get), no mask. */
    for (int signal_number = 1; signal_number < 32; signal_number++) {
        if (signal_number == SIGKILL || signal_number == SIGSTOP) continue;
        signal(signal_number, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int sources[3];
    for (int target = 0; target < 3; target++) {
        int source = request->stdio[target];
        if (source < 0) {
            source = open("/dev/null", (target == 0 ? O_RDONLY : O_RDWR) | O_CLOEXEC);
            if (source < 0) agora_spawn_fail(state, "open /dev/null");
        } else if (source < 3 && source != target) {
            /* A descriptor another slot is about to overwrite moves out of the way first. */
            source = fcntl(source, F_DUPFD_CLOEXEC, 3);
            if (source < 0) agora_spawn_fail(state, "dup");
        }
        sources[target] = source;
    }
    for (int target = 0; target < 3; target++) {
        if (sources[target] == target) {
            if (fcntl(target, F_SETFD, 0) < 0) agora_spawn_fail(state, "fcntl");
        } else if (dup2(sources[target], target) < 0) {
            agora_spawn_fail(state, "dup2");
        }
    }
    if (request->new_session && setsid() < 0) agora_spawn_fail(state, "setsid");
    for (int index = 0; index < request->cgroup_count; index++) {
        if (write(request->cgroup_procs[index], "0", 1) != 1) agora_spawn_fail(state, "joining the cgroup");
    }
    if (request->pid_namespace) {
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) agora_spawn_fail(state, "making mounts private");
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
            agora_spawn_fail(state, "mounting /proc");
        }
    }
    if (request->cwd && chdir(request->cwd) < 0) agora_spawn_fail(state, "changing to the working directory");

    if (strchr(request->file, '/')) {
        execve(request->file, request->argv, request->envp);
        agora_spawn_fail(state, "exec");
    }
    /* execvpe's search, over the child's own PATH: the first permission error is kept if nothing is found. */
    char candidate[4096];
    int denied = 0;
    const char *directory = request->search_path ? request->search_path : "/usr/local/bin:/usr/bin:/bin";
    size_t file_length = strlen(request->file);
    while (1) {
        const char *end = strchr(directory, ':');
        size_t length = end ? (size_t)(end - directory) : strlen(directory);
        if (length == 0) {
            candidate[0] = '.';
            length = 1;
        } else if (length < sizeof candidate) {
            memcpy(candidate, directory, length);
        }
        if (length + 1 + file_length < sizeof candidate) {
            candidate[length] = '/';
            memcpy(candidate + length + 1, request->file, file_length + 1);
            execve(candidate, request->argv, request->envp);
            if (errno == EACCES) denied = 1;
            else if (errno != ENOENT && errno != ENOTDIR) agora_spawn_fail(state, "exec");
        }
        if (!end) break;
        directory = end + 1;
    }
    errno = denied ? EACCES : ENOENT;
    agora_spawn_fail(state, "exec");
    return 127;
}

/* Starts the child; returns its pid and stores its pidfd, or returns -errno with `*stage` naming the step that
   failed (in the child, or "clone"). */
static inline int agora_spawn(const struct agora_spawn_request *request, int *pidfd, const char **stage) {
    const size_t stack_size = 64 * 1024;
    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        *stage = "mmap";
        return -errno;
    }
    struct agora_spawn_state state = { request, 0, NULL };
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    int flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD;
    if (request->pid_namespace) flags |= CLONE_NEWPID | CLONE_NEWNS;
    *pidfd = -1;
    int pid = clone(agora_spawn_child, (char *)stack + stack_size, flags, &state, pidfd);
    int clone_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    munmap(stack, stack_size);
    if (pid < 0) {
        *stage = "clone";
        return -clone_error;
    }
    if (state.error != 0) {
        /* The child has already exited (the vfork resumed us): reap it. */
        siginfo_t info;
        waitid(P_PIDFD, (id_t)*pidfd, &info, WEXITED);
        close(*pidfd);
        *pidfd = -1;
        *stage = state.stage;
        return -state.error;
    }
    return pid;
}

/* Reaps the child behind `pidfd` if it has ended: 1 with its exit code or signal, 0 while it runs, -errno. */
static inline int agora_spawn_reap(int pidfd, int *code, int *signal_number) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG) < 0) return -errno;
    if (info.si_pid == 0) return 0;
    *code = info.si_code == CLD_EXITED ? info.si_status : 0;
    *signal_number = info.si_code == CLD_EXITED ? 0 : info.si_status;
    return 1;
}

#endif
