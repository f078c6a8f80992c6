/*
 * CutBridge's copy of the OpenFX core API (OpenFX 1.4, plus the 1.5 OfxSetHost entry point).
 *
 * Written for CutBridge from the OpenFX standard (AcademySoftwareFoundation/openfx, BSD-3-Clause):
 * every identifier, string value, number and struct layout below is the standard's, because hosts
 * compare them byte for byte; the comments are ours. Only what the CutBridge plug-in and its test
 * host use is described at length; see the standard for the full semantics.
 */
#ifndef CUTBRIDGE_OFX_CORE_H
#define CUTBRIDGE_OFX_CORE_H

#include <stddef.h> /* size_t */
#include <limits.h> /* INT_MIN, INT_MAX */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(WIN32) || defined(WIN64)
#define OfxExport extern __declspec(dllexport)
#else
#define OfxExport extern
#endif

/* An opaque handle to a set of named, typed, multi-dimensional values. */
typedef struct OfxPropertySetStruct *OfxPropertySetHandle;

/* What every OFX function returns: one of the kOfxStat* codes. */
typedef int OfxStatus;

/* What the host hands a plug-in so that it can fetch the host's suites. */
typedef struct OfxHost {
  /* The host descriptor: read the host's capabilities from it. Valid while the binary is loaded. */
  OfxPropertySetHandle host;
  /* Returns the named suite at the given version, or NULL when the host lacks it. The first
     argument must be the `host` member above. Repeated calls return the same pointer. */
  const void *(*fetchSuite)(OfxPropertySetHandle host, const char *suiteName, int suiteVersion);
} OfxHost;

/* The one function through which the host sends every action to a plug-in. */
typedef OfxStatus(OfxPluginEntryPoint)(const char *action, const void *handle,
                                       OfxPropertySetHandle inArgs, OfxPropertySetHandle outArgs);

/* How a binary describes one of its plug-ins to the host. */
typedef struct OfxPlugin {
  const char *pluginApi;           /* e.g. kOfxImageEffectPluginApi */
  int apiVersion;                  /* version of that API */
  const char *pluginIdentifier;    /* reverse-domain identifier, ASCII, no whitespace */
  unsigned int pluginVersionMajor; /* bumped when compatibility breaks */
  unsigned int pluginVersionMinor; /* bumped for compatible changes */
  /* Called first, before any action; the plug-in only stores the pointer here. */
  void (*setHost)(OfxHost *host);
  OfxPluginEntryPoint *mainEntry;
} OfxPlugin;

/* Actions common to every plug-in API. */
#define kOfxActionLoad "OfxActionLoad"
#define kOfxActionDescribe "OfxActionDescribe"
#define kOfxActionUnload "OfxActionUnload"
#define kOfxActionPurgeCaches "OfxActionPurgeCaches"
#define kOfxActionSyncPrivateData "OfxActionSyncPrivateData"
#define kOfxActionCreateInstance "OfxActionCreateInstance"
#define kOfxActionDestroyInstance "OfxActionDestroyInstance"
#define kOfxActionInstanceChanged "OfxActionInstanceChanged"
#define kOfxActionBeginInstanceChanged "OfxActionBeginInstanceChanged"
#define kOfxActionEndInstanceChanged "OfxActionEndInstanceChanged"
#define kOfxActionBeginInstanceEdit "OfxActionBeginInstanceEdit"
#define kOfxActionEndInstanceEdit "OfxActionEndInstanceEdit"

/* The symbols a plug-in binary exports. */
OfxExport OfxPlugin *OfxGetPlugin(int nth);
OfxExport int OfxGetNumberOfPlugins(void);
/* OFX 1.5, optional: a host that knows it calls this before OfxGetNumberOfPlugins. A plug-in
   returns kOfxStatFailed to be skipped silently. The pointer may be replaced by setHost. */
OfxExport OfxStatus OfxSetHost(const OfxHost *host);

/* General properties. */
#define kOfxPropAPIVersion "OfxPropAPIVersion"
#define kOfxPropTime "OfxPropTime"
#define kOfxPropIsInteractive "OfxPropIsInteractive"
#define kOfxPluginPropFilePath "OfxPluginPropFilePath"
#define kOfxPropInstanceData "OfxPropInstanceData"
#define kOfxPropType "OfxPropType"
#define kOfxPropName "OfxPropName"
#define kOfxPropVersion "OfxPropVersion"
#define kOfxPropVersionLabel "OfxPropVersionLabel"
#define kOfxPropPluginDescription "OfxPropPluginDescription"
#define kOfxPropLabel "OfxPropLabel"
#define kOfxPropIcon "OfxPropIcon"
#define kOfxPropShortLabel "OfxPropShortLabel"
#define kOfxPropLongLabel "OfxPropLongLabel"
#define kOfxPropChangeReason "OfxPropChangeReason"
#define kOfxPropEffectInstance "OfxPropEffectInstance"
#define kOfxPropHostOSHandle "OfxPropHostOSHandle"

/* Values of kOfxPropChangeReason. */
#define kOfxChangeUserEdited "OfxChangeUserEdited"
#define kOfxChangePluginEdited "OfxChangePluginEdited"
#define kOfxChangeTime "OfxChangeTime"

/* Time, in frames. */
typedef double OfxTime;

typedef struct OfxRangeI {
  int min, max;
} OfxRangeI;

typedef struct OfxRangeD {
  double min, max;
} OfxRangeD;

typedef struct OfxPointI {
  int x, y;
} OfxPointI;

typedef struct OfxPointD {
  double x, y;
} OfxPointD;

/* Markers of an infinite rectangle side. */
#define kOfxFlagInfiniteMax INT_MAX
#define kOfxFlagInfiniteMin INT_MIN

/* Rectangles are half open: x1 <= x < x2, y1 <= y < y2. */
typedef struct OfxRectI {
  int x1, y1, x2, y2;
} OfxRectI;

typedef struct OfxRectD {
  double x1, y1, x2, y2;
} OfxRectD;

/* Pixel depths. */
#define kOfxBitDepthNone "OfxBitDepthNone"
#define kOfxBitDepthByte "OfxBitDepthByte"
#define kOfxBitDepthShort "OfxBitDepthShort"
#define kOfxBitDepthHalf "OfxBitDepthHalf"
#define kOfxBitDepthFloat "OfxBitDepthFloat"

/* Status codes. The standard spells these ((int)N); plain integer literals have the same type and
   value and let bindgen see them. */
#define kOfxStatOK 0
#define kOfxStatFailed 1
#define kOfxStatErrFatal 2
#define kOfxStatErrUnknown 3
#define kOfxStatErrMissingHostFeature 4
#define kOfxStatErrUnsupported 5
#define kOfxStatErrExists 6
#define kOfxStatErrFormat 7
#define kOfxStatErrMemory 8
#define kOfxStatErrBadHandle 9
#define kOfxStatErrBadIndex 10
#define kOfxStatErrValue 11
#define kOfxStatReplyYes 12
#define kOfxStatReplyNo 13
#define kOfxStatReplyDefault 14

#ifdef __cplusplus
}
#endif

#endif /* CUTBRIDGE_OFX_CORE_H */
