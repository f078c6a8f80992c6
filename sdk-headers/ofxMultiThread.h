/*
 * CutBridge's copy of the OpenFX multi-thread suite (OpenFX 1.4), written from the standard.
 */
#ifndef CUTBRIDGE_OFX_MULTITHREAD_H
#define CUTBRIDGE_OFX_MULTITHREAD_H

#include "ofxCore.h"

#ifdef __cplusplus
extern "C" {
#endif

#define kOfxMultiThreadSuite "OfxMultiThreadSuite"

typedef struct OfxMutex *OfxMutexHandle;

/* What multiThread runs on each of its threads: threadIndex is in 0..threadMax-1. */
typedef void(OfxThreadFunctionV1)(unsigned int threadIndex, unsigned int threadMax, void *customArg);

typedef struct OfxMultiThreadSuiteV1 {
  /* Runs func on nThreads threads and returns when all have returned. Not recursive:
     kOfxStatErrExists when called from inside itself, kOfxStatFailed when it cannot start. */
  OfxStatus (*multiThread)(OfxThreadFunctionV1 func, unsigned int nThreads, void *customArg);
  OfxStatus (*multiThreadNumCPUs)(unsigned int *nCPUs);
  /* 0 when no threads are spawned. */
  OfxStatus (*multiThreadIndex)(unsigned int *threadIndex);
  /* 1 on a thread spawned by multiThread, else 0. */
  int (*multiThreadIsSpawnedThread)(void);
  OfxStatus (*mutexCreate)(OfxMutexHandle *mutex, int lockCount);
  OfxStatus (*mutexDestroy)(const OfxMutexHandle mutex);
  OfxStatus (*mutexLock)(const OfxMutexHandle mutex);
  OfxStatus (*mutexUnLock)(const OfxMutexHandle mutex);
  /* kOfxStatOK with the lock, kOfxStatFailed without it. */
  OfxStatus (*mutexTryLock)(const OfxMutexHandle mutex);
} OfxMultiThreadSuiteV1;

#ifdef __cplusplus
}
#endif

#endif /* CUTBRIDGE_OFX_MULTITHREAD_H */
