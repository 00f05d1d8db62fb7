#ifndef AGORA_CHTTPPARSER_SHIM_H
#define AGORA_CHTTPPARSER_SHIM_H

#include <http_parser.h>

/* http_parser keeps its results in bitfields; read them through functions. */
static inline unsigned int agora_http_errno(const http_parser *p) { return p->http_errno; }
static inline unsigned int agora_http_method(const http_parser *p) { return p->method; }
static inline unsigned int agora_http_status(const http_parser *p) { return p->status_code; }
static inline unsigned int agora_http_upgrade(const http_parser *p) { return p->upgrade; }
static inline int agora_http_is_chunked(const http_parser *p) { return (p->flags & F_CHUNKED) != 0; }

#endif
