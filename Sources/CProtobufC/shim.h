#ifndef AGORA_CPROTOBUFC_SHIM_H
#define AGORA_CPROTOBUFC_SHIM_H

#include <protobuf-c/protobuf-c.h>

/* The message_init member is a function pointer; calling it from Swift needs no cast through here. */
static inline void agora_protobuf_init(const ProtobufCMessageDescriptor *d, void *message) {
    d->message_init((ProtobufCMessage *)message);
}

static inline const ProtobufCMessageDescriptor *agora_protobuf_message_descriptor(const ProtobufCFieldDescriptor *f) {
    return (const ProtobufCMessageDescriptor *)f->descriptor;
}

#endif
