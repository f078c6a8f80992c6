/*
 * The variadic functions of the test host's parameter and message suites.
 *
 * Stable Rust cannot define a C-variadic function, so these few live in C: each one reads its
 * variable arguments as OpenFX prescribes for the parameter's type and hands them, as plain
 * arrays, to callbacks written in Rust (tests/ofx_host/suites.rs). Everything else of the test
 * host is Rust.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ofxImageEffect.h"

/* Installed once by the Rust side before the plug-in is loaded. */
typedef struct cbhost_callbacks {
  /* Returns 'i' (int, boolean, choice), 'd' (double), 's' (string) or 0 (no value, e.g. a push
     button or an unknown handle), and the number of values in *dimension. */
  char (*param_kind)(OfxParamHandle param, int *dimension);
  /* Fills the out pointers (int *, double * or char ** as the kind says). */
  OfxStatus (*param_get)(OfxParamHandle param, int at_time, double time, void **out, int count);
  /* Takes the values: exactly one of the arrays is used, as the kind says. */
  OfxStatus (*param_set)(OfxParamHandle param, int at_time, double time, const int *ints,
                         const double *doubles, const char *const *strings, int count);
  /* A message, already formatted; persistent is 1 for setPersistentMessage. */
  OfxStatus (*message)(void *handle, const char *type, const char *id, const char *text,
                       int persistent);
} cbhost_callbacks;

static cbhost_callbacks callbacks;

void cbhost_install(const cbhost_callbacks *installed) { callbacks = *installed; }

#define MAX_DIMENSION 4

static OfxStatus get_values(OfxParamHandle param, int at_time, double time, va_list args) {
  int dimension = 0;
  char kind = callbacks.param_kind(param, &dimension);
  if (kind == 0 || dimension < 1 || dimension > MAX_DIMENSION) return kOfxStatErrBadHandle;
  void *out[MAX_DIMENSION];
  for (int i = 0; i < dimension; i++) out[i] = va_arg(args, void *);
  return callbacks.param_get(param, at_time, time, out, dimension);
}

static OfxStatus set_values(OfxParamHandle param, int at_time, double time, va_list args) {
  int dimension = 0;
  char kind = callbacks.param_kind(param, &dimension);
  if (kind == 0 || dimension < 1 || dimension > MAX_DIMENSION) return kOfxStatErrBadHandle;
  int ints[MAX_DIMENSION];
  double doubles[MAX_DIMENSION];
  const char *strings[MAX_DIMENSION];
  for (int i = 0; i < dimension; i++) {
    switch (kind) {
      case 'i': ints[i] = va_arg(args, int); break;
      case 'd': doubles[i] = va_arg(args, double); break;
      case 's': strings[i] = va_arg(args, const char *); break;
      default: return kOfxStatErrBadHandle;
    }
  }
  return callbacks.param_set(param, at_time, time, ints, doubles, strings, dimension);
}

OfxStatus cbhost_paramGetValue(OfxParamHandle param, ...) {
  va_list args;
  va_start(args, param);
  OfxStatus status = get_values(param, 0, 0.0, args);
  va_end(args);
  return status;
}

OfxStatus cbhost_paramGetValueAtTime(OfxParamHandle param, OfxTime time, ...) {
  va_list args;
  va_start(args, time);
  OfxStatus status = get_values(param, 1, time, args);
  va_end(args);
  return status;
}

OfxStatus cbhost_paramSetValue(OfxParamHandle param, ...) {
  va_list args;
  va_start(args, param);
  OfxStatus status = set_values(param, 0, 0.0, args);
  va_end(args);
  return status;
}

OfxStatus cbhost_paramSetValueAtTime(OfxParamHandle param, OfxTime time, ...) {
  va_list args;
  va_start(args, time);
  OfxStatus status = set_values(param, 1, time, args);
  va_end(args);
  return status;
}

/* Derivatives and integrals exist for double and colour parameters only; CutBridge has none. */
OfxStatus cbhost_paramGetDerivative(OfxParamHandle param, OfxTime time, ...) {
  (void)param;
  (void)time;
  return kOfxStatErrUnsupported;
}

OfxStatus cbhost_paramGetIntegral(OfxParamHandle param, OfxTime time1, OfxTime time2, ...) {
  (void)param;
  (void)time1;
  (void)time2;
  return kOfxStatErrUnsupported;
}

static OfxStatus post(void *handle, const char *type, const char *id, const char *format,
                      va_list args, int persistent) {
  char text[4096];
  vsnprintf(text, sizeof text, format ? format : "", args);
  return callbacks.message(handle, type, id, text, persistent);
}

OfxStatus cbhost_message(void *handle, const char *type, const char *id, const char *format, ...) {
  va_list args;
  va_start(args, format);
  OfxStatus status = post(handle, type, id, format, args, 0);
  va_end(args);
  return status;
}

OfxStatus cbhost_setPersistentMessage(void *handle, const char *type, const char *id,
                                      const char *format, ...) {
  va_list args;
  va_start(args, format);
  OfxStatus status = post(handle, type, id, format, args, 1);
  va_end(args);
  return status;
}
