#ifndef AGORA_CLIBUV_SHIM_H
#define AGORA_CLIBUV_SHIM_H

#include <uv.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <malloc.h>
#include "spawn.h"

/* Casts Swift cannot spell: every handle type is a uv_handle_t underneath. */
static inline uv_handle_t *agora_uv_handle(void *handle) { return (uv_handle_t *)handle; }
static inline uv_stream_t *agora_uv_stream(void *handle) { return (uv_stream_t *)handle; }

/* uv_buf_init is a function, but building the struct inline keeps callers free of casts. */
static inline uv_buf_t agora_uv_buf(char *base, size_t len) { return uv_buf_init(base, (unsigned int)len); }

/* Writes to a peer that went away must fail with EPIPE, not kill the process. */
static inline void agora_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

static inline int agora_sigterm(void) { return SIGTERM; }
/* syncfs(2) through its system call: flushes the filesystem holding `fd` (glibc declares it only under _GNU_SOURCE). */
static inline int agora_syncfs(int fd) { return (int)syscall(SYS_syncfs, fd); }
static inline int agora_sigkill(void) { return SIGKILL; }
static inline int agora_sigint(void) { return SIGINT; }
static inline int agora_sighup(void) { return SIGHUP; }
static inline int agora_sigusr2(void) { return SIGUSR2; }

/* Bytes malloc has handed out and not had back, over every arena (mallinfo2 is not in Swift's Glibc module). */
static inline size_t agora_heap_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

/* openat2(2) confined beneath `dirfd`, refusing every symlink and magic link on the way: a path that a
   concurrent rename swaps for a symlink cannot leave the directory. glibc 2.36 has no wrapper, so the
   syscall is made directly; returns the fd or -errno. */
static inline int agora_open_beneath(int dirfd, const char *path, int flags) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (unsigned long long)flags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    return fd < 0 ? -errno : (int)fd;
}

#endif
