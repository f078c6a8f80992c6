/*
 * CutBridge's copy of the OpenFX memory suite (OpenFX 1.4), written from the standard.
 */
#ifndef CUTBRIDGE_OFX_MEMORY_H
#define CUTBRIDGE_OFX_MEMORY_H

#include "ofxCore.h"

#ifdef __cplusplus
extern "C" {
#endif

#define kOfxMemorySuite "OfxMemorySuite"

/* General purpose memory from the host (images should come from the image effect suite). */
typedef struct OfxMemorySuiteV1 {
  /* `handle` is the effect instance to charge the memory to, or NULL. The memory is aligned for
     any use. Returns kOfxStatOK or kOfxStatErrMemory. */
  OfxStatus (*memoryAlloc)(void *handle, size_t nBytes, void **allocatedData);
  /* Frees memory from memoryAlloc; kOfxStatErrBadHandle for any other pointer. */
  OfxStatus (*memoryFree)(void *allocatedData);
} OfxMemorySuiteV1;

#ifdef __cplusplus
}
#endif

#endif /* CUTBRIDGE_OFX_MEMORY_H */
