#ifndef AGORA_CLDNS_SHIM_H
#define AGORA_CLDNS_SHIM_H

#include <ldns/ldns.h>
#include <stdlib.h>

#endif
