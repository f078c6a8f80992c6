/*
 * CutBridge's copy of the OpenFX message suite (OpenFX 1.4), written from the standard.
 */
#ifndef CUTBRIDGE_OFX_MESSAGE_H
#define CUTBRIDGE_OFX_MESSAGE_H

#include "ofxCore.h"

#ifdef __cplusplus
extern "C" {
#endif

#define kOfxMessageSuite "OfxMessageSuite"

/* Kinds of message. */
#define kOfxMessageFatal "OfxMessageFatal"
#define kOfxMessageError "OfxMessageError"
#define kOfxMessageWarning "OfxMessageWarning"
#define kOfxMessageMessage "OfxMessageMessage"
#define kOfxMessageLog "OfxMessageLog"
/* Modal yes/no question: answered with kOfxStatReplyYes or kOfxStatReplyNo. */
#define kOfxMessageQuestion "OfxMessageQuestion"

/* `format` and the arguments after it are printf style; `messageId` may be NULL. */
typedef struct OfxMessageSuiteV1 {
  OfxStatus (*message)(void *handle, const char *messageType, const char *messageId, const char *format, ...);
} OfxMessageSuiteV1;

/* Version 2 starts with the same member, so a host may hand out one struct for both versions. */
typedef struct OfxMessageSuiteV2 {
  OfxStatus (*message)(void *handle, const char *messageType, const char *messageId, const char *format, ...);
  /* A message that stays on the effect (and flags its error state) until cleared. */
  OfxStatus (*setPersistentMessage)(void *handle, const char *messageType, const char *messageId, const char *format, ...);
  OfxStatus (*clearPersistentMessage)(void *handle);
} OfxMessageSuiteV2;

#ifdef __cplusplus
}
#endif

#endif /* CUTBRIDGE_OFX_MESSAGE_H */
