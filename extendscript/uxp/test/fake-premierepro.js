// A test double of Premiere Pro's UXP `premierepro` module (Premiere 25.6 and later), written from
// Adobe's reference ONLY: AdobeDocs/uxp-premiere-pro, src/pages/ppro-reference/classes/*.md and
// constants/index.md, with the TypeScript declarations of the 26.3 samples
// (AdobeDocs/uxp-premiere-pro-samples, sample-panels/premiere-api/html/types.d.ts) where the two
// disagree on a return type (the .md pages of VideoClipTrackItem still say "TickTime" where the
// declarations say "Promise<TickTime>"; the declarations are followed).
//
// The rules it keeps, so that a plug-in that passes here does not lean on anything the real
// module lacks:
// - A member the reference does not list is not there: reading it throws
//   TypeError("premierepro: X.y is not a documented member of X ...") (or, with
//   `unknownMembers: 'undefined'`, reads undefined as the real objects do, and a call then fails
//   with Node's own TypeError). Either way the name is recorded in `state.undocumented`. A member
//   listed with a later "Since" than the fake's `version` is not there either. A documented member
//   the fake does not model throws Error("premierepro fake: ... not modelled").
// - The 26.3 locking rules: every create*Action needs the project lock (inside
//   `project.lockedAccess`'s callback, or `executeTransaction`'s, which itself must run inside
//   `lockedAccess` unless `transactionNeedsLock: false`), else Error("Requires locked access ...");
//   an Action belongs to the lock callback it was made in and is stale once that returns; both
//   callbacks are synchronous (an async function or a returned Promise is refused); the actions
//   added to the CompoundAction run, in order, when the transaction callback returns, and if one
//   of them fails none applies and executeTransaction returns false.
//
// Test-facing API (not part of premierepro): createPremierePro(options) → { ppro, state }.
// `ppro` is what require('premierepro') would give; `state` builds and reads sequences in the
// description format of the CEP fake (../../test/fake-premiere.js: `_buildSequence`,
// `describeTimeline`) and records what happened. See `createPremierePro` at the bottom.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
// The CEP fake's FCP7 XML (xmeml) reader is reused for importFiles (through its exported
// createPremiere: see `readXmeml`).
const cepFake = require('../../test/fake-premiere');

const TICKS = 254016000000; // ticks in a second (the reference's samples use the literal)
const REF = 'AdobeDocs/uxp-premiere-pro src/pages/ppro-reference';
const PAGE = {
  Project: 'classes/project.md', Sequence: 'classes/sequence.md', SequenceEditor: 'classes/sequenceeditor.md',
  VideoTrack: 'classes/videotrack.md', AudioTrack: 'classes/audiotrack.md', VideoClipTrackItem: 'classes/videocliptrackitem.md',
  AudioClipTrackItem: 'classes/audiocliptrackitem.md', TrackItemSelection: 'classes/trackitemselection.md',
  Markers: 'classes/markers.md', Marker: 'classes/marker.md', TickTime: 'classes/ticktime.md', FrameRate: 'classes/framerate.md',
  Guid: 'classes/guid.md', ProjectItem: 'classes/projectitem.md', ClipProjectItem: 'classes/clipprojectitem.md',
  FolderItem: 'classes/folderitem.md', Media: 'classes/media.md', CompoundAction: 'classes/compoundaction.md',
  Action: 'classes/action.md (types.d.ts: an empty type)', TransitionFactory: 'classes/transitionfactory.md',
  VideoTransition: 'types.d.ts VideoTransition', AddTransitionOptions: 'classes/addtransitionoptions.md',
  SequenceSettings: 'classes/sequencesettings.md', Color: 'classes/color.md', RectF: 'classes/rectf.md',
  Application: 'classes/application.md', Constants: 'constants/index.md', premierepro: 'index.md + types.d.ts',
};
const pageOf = (cls) => `${REF}/${PAGE[cls] || `classes/${cls.toLowerCase()}.md`}`;

// Documented members, per class, from the reference (`name@26.3`: since that version). Static
// members are under `<Class>.static`.
const MEMBERS = {
  'Project.static': ['createProject', 'isProject@26.2', 'open', 'getActiveProject', 'getProject'],
  Project: ['guid', 'name', 'path', 'close', 'closeSequence@26.2', 'createSequence', 'createSequenceFromMedia',
    'createSequenceWithPresetPath@26.3', 'deleteSequence', 'executeTransaction', 'getActiveSequence', 'getColorSettings',
    'getInsertionBin', 'getRootItem', 'getSequence', 'getSequences', 'importAEComps', 'importAllAEComps', 'importFiles',
    'importSequences', 'lockedAccess', 'openSequence', 'pauseGrowing', 'save', 'saveAs', 'setActiveSequence'],
  'Sequence.static': [],
  Sequence: ['guid', 'name', 'clearSelection', 'createCloneAction', 'createSetInPointAction', 'createSetOutPointAction',
    'createSetSettingsAction', 'createSetZeroPointAction', 'createSubsequence', 'getAudioTrack', 'getAudioTrackCount',
    'getCaptionTrack', 'getCaptionTrackCount', 'getEndTime', 'getFrameSize', 'getInPoint', 'getOutPoint', 'getPlayerPosition',
    'getProjectItem', 'getSelection', 'getSequenceAudioTimeDisplayFormat', 'getSequenceVideoTimeDisplayFormat', 'getSettings',
    'getTimebase', 'getVideoTrack', 'getVideoTrackCount', 'getZeroPoint', 'isDoneAnalyzingForVideoEffects', 'setPlayerPosition',
    'setSelection'],
  'SequenceEditor.static': ['getEditor', 'getInstalledMogrtPath'],
  SequenceEditor: ['createCloneTrackItemAction', 'createInsertProjectItemAction', 'createOverwriteItemAction',
    'createRemoveItemsAction', 'insertMogrtFromLibrary', 'insertMogrtFromPath'],
  'VideoTrack.static': ['EVENT_TRACK_CHANGED', 'EVENT_TRACK_INFO_CHANGED', 'EVENT_TRACK_LOCK_CHANGED'],
  VideoTrack: ['name', 'id', 'createSetNameAction@26.3', 'getIndex', 'getMediaType', 'getTrackItems', 'isMuted', 'setMute'],
  'AudioTrack.static': ['EVENT_TRACK_CHANGED', 'EVENT_TRACK_INFO_CHANGED', 'EVENT_TRACK_LOCK_CHANGED'],
  AudioTrack: ['name', 'id', 'createSetNameAction@26.3', 'getIndex', 'getMediaType', 'getTrackItems', 'isMuted', 'setMute'],
  'VideoClipTrackItem.static': ['TRACKITEMTYPE_EMPTY', 'TRACKITEMTYPE_CLIP', 'TRACKITEMTYPE_TRANSITION', 'TRACKITEMTYPE_PREVIEW', 'TRACKITEMTYPE_FEEDBACK'],
  VideoClipTrackItem: ['createAddVideoTransitionAction', 'createRemoveVideoTransitionAction', 'getMatchName', 'getName',
    'getIsSelected', 'getSpeed', 'isAdjustmentLayer', 'isSpeedReversed', 'createMoveAction', 'getInPoint', 'getOutPoint',
    'createSetInPointAction', 'createSetOutPointAction', 'getStartTime', 'getEndTime', 'createSetStartAction', 'createSetEndAction',
    'getDuration', 'getType', 'isDisabled', 'createSetDisabledAction', 'createSetNameAction', 'getMediaType', 'getTrackIndex',
    'getProjectItem', 'getComponentChain'],
  'AudioClipTrackItem.static': ['TRACKITEMTYPE_EMPTY', 'TRACKITEMTYPE_CLIP', 'TRACKITEMTYPE_TRANSITION', 'TRACKITEMTYPE_PREVIEW', 'TRACKITEMTYPE_FEEDBACK'],
  AudioClipTrackItem: ['getMatchName', 'getName', 'getIsSelected', 'getSpeed', 'isAdjustmentLayer', 'isSpeedReversed',
    'createMoveAction', 'getInPoint', 'getOutPoint', 'createSetInPointAction', 'createSetOutPointAction', 'getStartTime',
    'getEndTime', 'createSetStartAction', 'createSetEndAction', 'getDuration', 'getType', 'isDisabled', 'createSetDisabledAction',
    'createSetNameAction', 'getMediaType', 'getTrackIndex', 'getProjectItem', 'getComponentChain'],
  'TrackItemSelection.static': ['createEmptySelection'],
  TrackItemSelection: ['addItem', 'removeItem', 'getTrackItems'],
  'Markers.static': ['getMarkers'],
  Markers: ['getMarkers', 'createAddMarkerAction', 'createMoveMarkerAction', 'createRemoveMarkerAction'],
  'Marker.static': ['MARKER_TYPE_COMMENT', 'MARKER_TYPE_CHAPTER', 'MARKER_TYPE_FLVCUEPOINT', 'MARKER_TYPE_WEBLINK'],
  Marker: ['guid@26.3', 'createSetColorByIndexAction', 'createSetCommentsAction', 'createSetDurationAction', 'createSetNameAction',
    'createSetTypeAction', 'getColor', 'getColorIndex', 'getComments', 'getDuration', 'getName', 'getStart', 'getTarget', 'getType', 'getUrl'],
  'TickTime.static': ['createWithFrameAndFrameRate', 'createWithSeconds', 'createWithTicks', 'TIME_ZERO', 'TIME_ONE_SECOND',
    'TIME_ONE_MINUTE', 'TIME_ONE_HOUR', 'TIME_MAX', 'TIME_MIN', 'TIME_INVALID'],
  TickTime: ['seconds', 'ticks', 'ticksNumber', 'add', 'alignToFrame', 'alignToNearestFrame', 'divide', 'equals', 'multiply', 'subtract'],
  'FrameRate.static': ['createWithValue'],
  FrameRate: ['equals', 'ticksPerFrame', 'value'],
  'Guid.static': ['fromString'],
  Guid: ['toString'],
  'ProjectItem.static': ['cast', 'TYPE_CLIP', 'TYPE_BIN', 'TYPE_ROOT', 'TYPE_FILE', 'TYPE_STYLE', 'TYPE_COMPOUND'],
  ProjectItem: ['type', 'name', 'createSetColorLabelAction', 'createSetNameAction', 'getColorLabelIndex', 'getId', 'getParentBin', 'getProject'],
  'ClipProjectItem.static': ['cast'],
  ClipProjectItem: ['type', 'name', 'attachProxy', 'canChangeMediaPath', 'canProxy', 'changeMediaFilePath', 'createClearInOutPointsAction',
    'createSetColorLabelAction', 'createSetFootageInterpretationAction', 'createSetInOutPointsAction', 'createSetInPointAction',
    'createSetInputLUTIDAction', 'createSetNameAction', 'createSetOfflineAction', 'createSetOutPointAction',
    'createSetOverrideFrameRateAction', 'createSetOverridePixelAspectRatioAction', 'createSetScaleToFrameSizeAction',
    'createSubClipAction@26.3', 'findItemsMatchingMediaPath', 'getColorLabelIndex', 'getComponentChain', 'getContentType',
    'getEmbeddedLUTID', 'getFootageInterpretation', 'getInPoint', 'getInputLUTID', 'getMedia', 'getMediaFilePath',
    'getOriginatingProjectPath@26.2', 'getOutPoint', 'getProject', 'getProxyPath', 'getSequence', 'hasProxy', 'isMergedClip',
    'isMulticamClip', 'isOffline', 'isSequence', 'refreshMedia'],
  'FolderItem.static': ['cast'],
  FolderItem: ['type', 'name', 'createBinAction', 'createMoveItemAction', 'createRemoveItemAction', 'createRenameBinAction',
    'createSetColorLabelAction', 'createSetNameAction', 'createSmartBinAction', 'getColorLabelIndex', 'getItems', 'getProject'],
  Media: ['createSetStartAction', 'start', 'duration'],
  CompoundAction: ['addAction', 'empty'],
  Action: [],
  'TransitionFactory.static': ['createVideoTransition', 'getVideoTransitionMatchNames'],
  'VideoTransition.static': ['TRANSITIONPOSITION_START', 'TRANSITIONPOSITION_END'],
  VideoTransition: [],
  AddTransitionOptions: ['setApplyToStart', 'setForceSingleSided', 'setTransitionAlignment', 'setDuration', 'applyToStart',
    'forceSingleSided', 'transitionAlignment', 'duration'],
  SequenceSettings: ['getMaximumBitDepth', 'setMaximumBitDepth', 'getMaxRenderQuality', 'setMaxRenderQuality', 'getAudioChannelCount',
    'getAudioChannelType', 'getAudioDisplayFormat', 'setAudioDisplayFormat', 'getAudioSampleRate', 'setAudioSampleRate',
    'getVideoDisplayFormat', 'setVideoDisplayFormat', 'getVideoFieldType', 'setVideoFieldType', 'getVideoFrameRate',
    'setVideoFrameRate', 'getVideoFrameRect', 'setVideoFrameRect', 'getVideoPixelAspectRatio', 'setVideoPixelAspectRatio',
    'getCompositeInLinearColor', 'setCompositeInLinearColor', 'getEditingMode', 'setEditingMode', 'getPreviewFileFormat',
    'setPreviewFileFormat', 'getPreviewCodec', 'setPreviewCodec', 'getPreviewFrameRect', 'setPreviewFrameRect'],
  Color: ['equals', 'red', 'green', 'blue', 'alpha'],
  RectF: ['width', 'height'],
  Application: ['version'],
  // The module itself: the names of types.d.ts's `premierepro` type (26.3 samples).
  premierepro: ['AAFExportOptions@26.3', 'Action', 'AddTransitionOptions', 'AppPreference', 'Application', 'AudioClipTrackItem',
    'AudioComponentChain', 'AudioFilterComponent', 'AudioFilterFactory', 'AudioTrack', 'CaptionTrack', 'ClipProjectItem',
    'CloseProjectOptions', 'Color', 'Component', 'ComponentParam', 'CompoundAction', 'EncoderManager', 'Exporter', 'FolderItem',
    'FootageInterpretation', 'FrameRate', 'Guid', 'IngestSettings', 'Keyframe', 'Marker', 'Markers', 'Media', 'Metadata',
    'OpenProjectOptions', 'OperationCompleteEvent', 'PRProduction', 'PointF', 'PointKeyframe', 'Project', 'ProjectClosedEvent',
    'ProjectColorSettings', 'ProjectConverter', 'ProjectEvent', 'ProjectItem', 'ProjectItemSelection', 'ProjectSettings',
    'ProjectUtils', 'Properties', 'RectF', 'ScratchDiskSettings', 'Sequence', 'SequenceEditor', 'SequenceSettings', 'SequenceUtils',
    'SnapEvent', 'SourceMonitor', 'TextSegments', 'TickTime', 'TimeDisplay', 'TrackItemSelection', 'TransitionFactory',
    'UniqueSerializeable', 'Utils', 'VideoClipTrackItem', 'VideoComponentChain', 'VideoFilterComponent', 'VideoFilterFactory',
    'VideoTrack', 'VideoTransition', 'EventManager', 'Transcript', 'Constants'],
};

// Constants (constants/index.md). The reference names the members but gives no values; these are
// the implicit values of the TypeScript enums in types.d.ts (0, 1, 2, ... in the listed order),
// except TrackItemType, whose values the VideoTrack page documents (Empty 0, Clip 1, Transition 2,
// Preview 3, Feedback 4), and MarkerColor, given Premiere's ExtendScript marker colour indices
// (0 green, 1 red, 2 magenta, 3 orange, 4 yellow, 5 white, 6 blue, 7 cyan — the order the CEP fake
// uses in describeTimeline: GREEN, RED, PURPLE, ORANGE, YELLOW, WHITE, BLUE, CYAN). The enums are
// plain frozen objects, as data: reading a missing member gives undefined, as it does in the real
// module (so `MarkerColor.MAGENTA` can be feature-detected before 26.5).
function enumOf(names) { const o = {}; names.forEach((n, i) => { o[n] = i; }); return o; }
function constantsFor(atLeast) {
  const markerColor = { GREEN: 0, RED: 1, MAGNETA: 2, ORANGE: 3, YELLOW: 4, BLUE: 6, CYAN: 7 };
  if (atLeast('26.5')) markerColor.MAGENTA = 2; // the misspelt MAGNETA stays, deprecated
  const c = {
    AudioChannelType: enumOf(['MONO', 'STEREO', 'SURROUND_51', 'MULTI']),
    AudioDisplayFormatType: enumOf(['SAMPLE_RATE', 'MILLISECONDS']),
    AudioTrackEvent: enumOf(['TRACK_CHANGED', 'INFO_CHANGED', 'LOCK_CHANGED']),
    ContentType: enumOf(['ANY', 'SEQUENCE', 'MEDIA']),
    EncoderEvent: enumOf(['RENDER_COMPLETE', 'RENDER_ERROR', 'RENDER_CANCEL', 'RENDER_QUEUE', 'RENDER_PROGRESS']),
    ExportType: enumOf(['QUEUE_TO_AME', 'QUEUE_TO_APP', 'IMMEDIATELY']),
    InterpolationMode: enumOf(['BEZIER', 'HOLD', 'LINEAR', 'TIME', 'TIME_TRANSITION_END', 'TIME_TRANSITION_START']),
    MarkerColor: markerColor,
    MediaType: enumOf(['ANY', 'DATA', 'VIDEO', 'AUDIO']),
    MetadataType: enumOf(['INTEGER', 'REAL', 'TEXT', 'BOOLEAN']),
    OperationCompleteEvent: enumOf(['CLIP_EXTEND_REACHED', 'EFFECT_DROP_COMPLETE', 'EFFECT_DRAG_OVER', 'EXPORT_MEDIA_COMPLETE', 'GENERATIVE_EXTEND_COMPLETE', 'IMPORT_MEDIA_COMPLETE']),
    OperationCompleteState: enumOf(['SUCCESS', 'CANCELLED', 'FAILED']),
    PixelAspectRatio: enumOf(['SQUARE', 'DVNTSC', 'DVNTSCWide', 'DVPAL', 'DVPALWide', 'Anamorphic', 'HDAnamorphic1080', 'DVCProHD']),
    PreferenceKey: enumOf(['AUTO_PEAK_GENERATION', 'IMPORT_WORKSPACE', 'SHOW_QUICKSTART_DIALOG']),
    ProjectEvent: enumOf(['OPENED', 'CLOSED', 'DIRTY', 'ACTIVATED', 'PROJECT_ITEM_SELECTION_CHANGED']),
    ProjectItemColorLabel: enumOf(['VIOLET', 'IRIS', 'LAVENDER', 'CERULEAN', 'FOREST', 'ROSE', 'MANGO', 'PURPLE', 'BLUE', 'TEAL', 'MAGENTA', 'TAN', 'GREEN', 'BROWN', 'YELLOW']),
    PropertyType: enumOf(['PERSISTENT', 'NON_PERSISTENT']),
    ScratchDiskFolder: enumOf(['SAME_AS_PROJECT', 'MY_DOCUMENTS']),
    ScratchDiskFolderType: enumOf(['CAPTURE', 'AUDIO_PREVIEW', 'VIDEO_PREVIEW', 'AUTO_SAVE', 'CCL_LIBRARIES', 'CAPSULE_MEDIA']),
    SequenceEvent: enumOf(['ACTIVATED', 'CLOSED', 'SELECTION_CHANGED']),
    SequenceOperation: enumOf(['APPLYCUT', 'CREATEMARKER', 'CREATESUBCLIP']),
    SnapEvent: enumOf(['KEYFRAME', 'RAZOR_PLAYHEAD', 'RAZOR_MARKER', 'TRACKITEM', 'GUIDES', 'PLAYHEAD_TRACKITEM']),
    TrackItemType: { EMPTY: 0, CLIP: 1, TRANSITION: 2, PREVIEW: 3, FEEDBACK: 4 },
    TransitionPosition: enumOf(['START', 'END']),
    VideoDisplayFormatType: enumOf(['FPS_23_976', 'FPS_25', 'FPS_29_97', 'FPS_29_97_NON_DROP', 'FEET_FRAME_16mm', 'FEET_FRAME_35mm', 'FRAMES']),
    VideoFieldType: enumOf(['PROGRESSIVE', 'UPPER_FIRST', 'LOWER_FIRST']),
    VideoTrackEvent: enumOf(['TRACK_CHANGED', 'INFO_CHANGED', 'LOCK_CHANGED']),
  };
  if (atLeast('26.3')) c.AAFExportAudioFormat = enumOf(['AIFF', 'WAV']);
  for (const k of Object.keys(c)) Object.freeze(c[k]);
  return c;
}

// Names JavaScript machinery probes on any object (await, JSON.stringify, test matchers): they
// read undefined rather than counting as an undocumented member.
const PROBES = new Set(['then', 'toJSON', 'asymmetricMatch', '$$typeof', 'nodeType', '@@__IMMUTABLE_ITERABLE__@@']);
const OBJECT_PROTO = new Set(Object.getOwnPropertyNames(Object.prototype));

const isThenable = (v) => v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
const isAsyncFunction = (f) => typeof f === 'function' && f[Symbol.toStringTag] === 'AsyncFunction';
const versionNumber = (v) => {
  const [maj, min = 0] = String(v).split('.').map(Number);
  return maj * 100 + min;
};

/**
 * createPremierePro(options) → { ppro, state }
 *
 * options:
 *   version ('26.5')            Premiere's version: members with a later "Since" are absent;
 *                               ClipProjectItem's in/out setters error before 26.5.
 *   unknownMembers ('throw')    'throw' | 'undefined': what reading an undocumented member does.
 *   transactionNeedsLock (true) executeTransaction outside lockedAccess throws "Requires locked access".
 *   projectName, projectPath    the active project's name and path.
 *   defaultFps (25), defaultTracks ({video: 3, audio: 3})   what createSequence makes.
 *   defaultMediaFrames (250)    length of a file imported with importFiles (not XML) or addMedia,
 *                               unless `mediaFrames[path]` says otherwise.
 *   transitionSeconds (1)       a transition's duration when AddTransitionOptions sets none.
 *   transitionMatchNames        what TransitionFactory.getVideoTransitionMatchNames gives.
 *   negativeTrackIndex ('skip') 'skip' | 'throw': a track index < 0 given to an insert/overwrite.
 *   noProject (false)           Project.getActiveProject() resolves null.
 */
function createPremierePro(options = {}) {
  const opts = {
    version: '26.5',
    unknownMembers: 'throw',
    transactionNeedsLock: true,
    projectName: 'Fake.prproj',
    projectPath: path.join(os.tmpdir(), 'Fake.prproj'),
    defaultFps: 25,
    defaultTracks: { video: 3, audio: 3 },
    defaultMediaFrames: 250,
    mediaFrames: {},
    transitionSeconds: 1,
    transitionMatchNames: ['AE.ADBE Cross Dissolve New', 'AE.ADBE Dip To Black', 'AE.ADBE Dip To White', 'AE.ADBE Film Dissolve', 'AE.ADBE Additive Dissolve'],
    negativeTrackIndex: 'skip',
    noProject: false,
    ...options,
  };
  const VER = versionNumber(opts.version);
  const atLeast = (v) => VER >= versionNumber(v);

  // S: the fake's own bookkeeping. S.w is the project's data (plain, cloneable: a transaction's
  // snapshot); wrappers hold ids and read S.w on every call, so a rollback is one assignment.
  const S = {
    n: 0,
    w: { seqs: {}, seqOrder: [], tracks: {}, clips: {}, trans: {}, markers: {}, nodes: {}, rootId: null, insertionBinId: null, activeSeqId: null },
    meta: new WeakMap(), // wrapper → { cls, id, ... }
    cache: new Map(), // key → wrapper (one wrapper per entity: === holds)
    actions: new WeakMap(), // Action wrapper → record
    lock: { depth: 0, epoch: 0, txn: null },
    pathItems: new Map(), // buildSequence's shared items: media path (or "name:<name>") → node id
    transactions: [], failures: [], imported: [], undocumented: [],
  };
  const nid = (prefix) => `${prefix}${++S.n}`;
  const guidString = (n) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  const PROJECT_GUID = guidString(0xfffff);

  /* ---------------------------------------------------------------- strict wrappers */

  const availCache = new Map();
  function available(cls) {
    if (!availCache.has(cls)) {
      const set = new Set();
      for (const m of MEMBERS[cls] || []) {
        const [name, since] = m.split('@');
        if (!since || atLeast(since)) set.add(name);
      }
      availCache.set(cls, set);
    }
    return availCache.get(cls);
  }
  const displayName = (cls) => cls.replace('.static', '');

  function undocumented(cls, prop) {
    const name = `${displayName(cls)}.${prop}`;
    S.undocumented.push(name);
    if (opts.unknownMembers === 'undefined') return undefined;
    const later = (MEMBERS[cls] || []).find((m) => m.split('@')[0] === prop);
    const why = later ? ` in Premiere ${opts.version} (since ${later.split('@')[1]})` : '';
    throw new TypeError(`premierepro: ${name} is not a documented member of ${displayName(cls)}${why} (${pageOf(displayName(cls))})`);
  }
  function notModelled(cls, prop) {
    return function notModelledMember() {
      throw new Error(`premierepro fake: ${displayName(cls)}.${prop} is documented (${pageOf(displayName(cls))}) but not modelled by this fake`);
    };
  }

  // A wrapper: `impl` holds the modelled members (closures, no `this`); reading a documented but
  // unmodelled one gives a function that throws; reading anything else is `undocumented`.
  function strict(cls, impl, { writable = [], quiet = [], meta, members } = {}) {
    const avail = members ? new Set(members) : available(cls);
    const proxy = new Proxy(impl, {
      get(t, p, r) {
        if (typeof p === 'symbol') return Reflect.get(t, p, r);
        if (avail.has(p)) return Object.prototype.hasOwnProperty.call(t, p) ? Reflect.get(t, p, r) : notModelled(cls, p);
        if (OBJECT_PROTO.has(p)) return Reflect.get(t, p, r);
        if (PROBES.has(p) || quiet.includes(p)) return undefined;
        return undocumented(cls, p);
      },
      set(t, p, v) {
        if (typeof p === 'string' && writable.includes(p)) { t[p] = v; return true; }
        throw new TypeError(`premierepro: ${displayName(cls)}.${String(p)} ${avail.has(p) ? 'is read-only' : 'is not a documented member'} (${pageOf(displayName(cls))})`);
      },
      has(t, p) { return typeof p === 'string' ? avail.has(p) : Reflect.has(t, p); },
      deleteProperty(t, p) { throw new TypeError(`premierepro: cannot delete ${displayName(cls)}.${String(p)}`); },
      defineProperty(t, p) { throw new TypeError(`premierepro: cannot define ${displayName(cls)}.${String(p)}`); },
    });
    if (meta) S.meta.set(proxy, { cls, ...meta });
    return proxy;
  }
  // A documented class the fake does not model at all: every member throws "not modelled".
  function unmodelledClass(cls) {
    return new Proxy({}, {
      get(t, p) {
        if (typeof p === 'symbol' || OBJECT_PROTO.has(p)) return Reflect.get(t, p);
        if (PROBES.has(p)) return undefined;
        return notModelled(cls, p)();
      },
    });
  }
  const once = (key, make) => {
    if (!S.cache.has(key)) S.cache.set(key, make());
    return S.cache.get(key);
  };
  const metaOf = (v) => (v !== null && (typeof v === 'object' || typeof v === 'function') ? S.meta.get(v) : undefined);

  /* ---------------------------------------------------------------- arguments */

  function argTicks(v, what) {
    const m = metaOf(v);
    if (!m || m.cls !== 'TickTime') throw new TypeError(`premierepro: ${what} takes a TickTime (${pageOf('TickTime')})`);
    return m.ticks;
  }
  function argNumber(v, what) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`premierepro: ${what} takes a number, got ${typeof v}`);
    return v;
  }
  function argIndex(v, what) {
    if (!Number.isInteger(v)) throw new TypeError(`premierepro: ${what} takes an integer track index, got ${String(v)}`);
    return v;
  }
  function argBool(v, what) {
    if (typeof v !== 'boolean') throw new TypeError(`premierepro: ${what} takes a boolean, got ${typeof v}`);
    return v;
  }
  function argString(v, what) {
    if (typeof v !== 'string') throw new TypeError(`premierepro: ${what} takes a string, got ${typeof v}`);
    return v;
  }
  function argOf(v, classes, what) {
    const m = metaOf(v);
    if (!m || !classes.includes(m.cls)) throw new TypeError(`premierepro: ${what} takes a ${classes.join(' or ')}`);
    return m;
  }
  const argSeq = (v, what) => argOf(v, ['Sequence'], what).id;
  const argNode = (v, what) => argOf(v, ['ProjectItem', 'ClipProjectItem', 'FolderItem'], what).id;
  const fail = (msg) => { throw new Error(`premierepro fake: ${msg}`); };

  /* ---------------------------------------------------------------- the project's data */

  const seqOf = (id) => S.w.seqs[id] || fail('the sequence no longer exists');
  const trackOf = (id) => S.w.tracks[id] || fail('the track no longer exists');
  const clipOf = (id) => S.w.clips[id] || fail('the track item no longer exists');
  const nodeOf = (id) => S.w.nodes[id] || fail('the project item no longer exists');
  const markerOf = (id) => S.w.markers[id] || fail('the marker no longer exists');
  const tracksOfSeq = (s) => [...s.video, ...s.audio].map((id) => S.w.tracks[id]);
  const clipsOfTrack = (t) => t.clips.map((id) => S.w.clips[id]).sort((a, b) => a.start - b.start || a.end - b.end);
  const trackIndex = (t) => S.w.seqs[t.seqId][t.kind].indexOf(t.id);
  const outOf = (c) => c.in + Math.round((c.end - c.start) * c.speed);
  const seqEnd = (s) => {
    let e = 0;
    for (const t of tracksOfSeq(s)) for (const id of t.clips) e = Math.max(e, S.w.clips[id].end);
    return e;
  };
  const nodeDuration = (n) => (n.seqId ? seqEnd(seqOf(n.seqId)) : n.dur);
  const cutOf = (tr) => (tr.a ? S.w.clips[tr.a].end : S.w.clips[tr.b].start);

  function newNode(fields, parentId) {
    const id = nid('n');
    S.w.nodes[id] = { id, kind: 'clip', name: '', parentId: parentId || null, children: [], path: null, dur: 0, tpf: TICKS / opts.defaultFps,
      video: true, audio: true, inMark: null, outMark: null, seqId: null, markers: [], label: 0, ...fields };
    if (parentId) S.w.nodes[parentId].children.push(id);
    return S.w.nodes[id];
  }
  function detachNode(n) {
    if (!n.parentId) return;
    const p = S.w.nodes[n.parentId];
    p.children = p.children.filter((c) => c !== n.id);
    n.parentId = null;
  }

  // The video time display (TimeDisplay.type: Premiere's TIMEDISPLAY_* codes, 102 29.97 drop,
  // 103 29.97 non-drop, 106 59.94 drop…): Premiere's default for the rate, drop-frame at 29.97
  // and 59.94; a description's `displayFormat` sets it.
  function defaultDisplay(tpf) {
    const fps = TICKS / tpf;
    if (Math.abs(fps - 30000 / 1001) < 1e-6) return 102;
    if (Math.abs(fps - 60000 / 1001) < 1e-6) return 106;
    return { 24: 100, 25: 101, 30: 104, 50: 105, 60: 108 }[Math.round(fps)] || 109;
  }

  function newSequence({ name, tpf, zero = 0, binId }) {
    const id = nid('s');
    const s = { id, guid: guidString(++S.n), name, tpf, zero, inPt: null, outPt: null, player: 0, video: [], audio: [], markers: [], nodeId: null, nextTid: 0, selection: [], display: defaultDisplay(tpf) };
    S.w.seqs[id] = s;
    S.w.seqOrder.push(id);
    s.nodeId = newNode({ name, seqId: id, tpf }, binId || S.w.rootId).id;
    return s;
  }
  function newTrack(s, kind) {
    const id = nid('t');
    s[kind].push(id);
    S.w.tracks[id] = { id, seqId: s.id, kind, name: `${kind === 'video' ? 'V' : 'A'}${s[kind].length}`, tid: s.nextTid++, muted: false, clips: [], trans: [] };
    return S.w.tracks[id];
  }
  function addClip(trackId, f) {
    const id = nid('c');
    S.w.clips[id] = { id, trackId, nodeId: f.nodeId, name: f.name, start: f.start, end: f.end, in: f.in, speed: f.speed || 1, disabled: !!f.disabled };
    S.w.tracks[trackId].clips.push(id);
    return S.w.clips[id];
  }
  function removeTransition(trId) {
    const tr = S.w.trans[trId];
    const t = S.w.tracks[tr.trackId];
    t.trans = t.trans.filter((x) => x !== trId);
    delete S.w.trans[trId];
  }
  function removeClip(id) {
    const c = S.w.clips[id];
    const t = S.w.tracks[c.trackId];
    t.clips = t.clips.filter((x) => x !== id);
    for (const trId of [...t.trans]) if (S.w.trans[trId].a === id || S.w.trans[trId].b === id) removeTransition(trId);
    const s = S.w.seqs[t.seqId];
    s.selection = s.selection.filter((x) => x !== id);
    delete S.w.clips[id];
  }
  function transitionsWhere(t, pred) { return t.trans.map((id) => S.w.trans[id]).filter(pred); }
  // Cut clip `c` at `at` (record time): `c` keeps the left part, a new clip is the right part and
  // takes over the transitions at c's end.
  function splitClip(c, at) {
    const right = addClip(c.trackId, { ...c, start: at, in: c.in + Math.round((at - c.start) * c.speed) });
    for (const tr of transitionsWhere(S.w.tracks[c.trackId], (x) => x.a === c.id)) tr.a = right.id;
    c.end = at;
    return right;
  }
  function splitAt(t, at) { for (const c of clipsOfTrack(t)) if (c.start < at && c.end > at) splitClip(c, at); }
  function shiftFrom(t, at, d) { for (const c of clipsOfTrack(t)) if (c.start >= at) { c.start += d; c.end += d; } }
  // Overwrite's clearing of [s, e) on a track: clips inside go, clips across an edge are trimmed
  // (and lose the transition on that edge), a clip across both is cut in two.
  function clearRange(t, s, e) {
    for (const c of clipsOfTrack(t)) {
      if (c.end <= s || c.start >= e) continue;
      if (c.start >= s && c.end <= e) removeClip(c.id);
      else if (c.start < s && c.end > e) {
        splitClip(c, e); // the part from e on stays, with c's end transitions
        c.end = s;
      } else if (c.start < s) {
        for (const tr of transitionsWhere(t, (x) => x.a === c.id)) removeTransition(tr.id);
        c.end = s;
      } else {
        for (const tr of transitionsWhere(t, (x) => x.b === c.id)) removeTransition(tr.id);
        c.in += Math.round((e - c.start) * c.speed);
        c.start = e;
      }
    }
  }
  const overlapsOthers = (t, s, e, exceptId) => clipsOfTrack(t).some((c) => c.id !== exceptId && c.start < e && c.end > s);

  // The track of `kind` at `index`; an index past the last makes one new track (the reference: "If
  // you pass a track index greater than the number of existing tracks, a new track will be
  // created").
  function ensureTrack(s, kind, index) {
    if (index < s[kind].length) return S.w.tracks[s[kind][index]];
    return newTrack(s, kind);
  }

  // Insert or overwrite `dur` ticks of source at `time` on the target tracks.
  function place(s, { time, dur, nodeId, name, srcIn, speed = 1, targets, mode, limitShift }) {
    if (time < 0) fail(`cannot place at a negative time (${time} ticks)`);
    if (dur <= 0) fail('the source range is empty');
    if (!targets.length) fail('no track to place on (the item has no media for the given track indices)');
    const tracks = targets.map(({ kind, index }) => ensureTrack(s, kind, index));
    if (mode === 'insert') {
      const shifting = limitShift ? tracks : tracksOfSeq(s);
      for (const t of shifting) { splitAt(t, time); shiftFrom(t, time, dur); }
    } else {
      for (const t of tracks) clearRange(t, time, time + dur);
    }
    return tracks.map((t) => addClip(t.id, { nodeId, name, start: time, end: time + dur, in: srcIn, speed }));
  }

  function cloneSequence(src, name) {
    const s = newSequence({ name, tpf: src.tpf, zero: src.zero, binId: S.w.nodes[src.nodeId].parentId });
    Object.assign(s, { inPt: src.inPt, outPt: src.outPt, player: src.player, display: src.display });
    const clipMap = new Map();
    for (const kind of ['video', 'audio']) {
      for (const tid of src[kind]) {
        const st = S.w.tracks[tid];
        const t = newTrack(s, kind);
        Object.assign(t, { name: st.name, muted: st.muted });
        for (const c of clipsOfTrack(st)) clipMap.set(c.id, addClip(t.id, c).id);
        for (const tr of st.trans.map((id) => S.w.trans[id])) {
          const id = nid('x');
          S.w.trans[id] = { ...tr, id, trackId: t.id, a: tr.a && clipMap.get(tr.a), b: tr.b && clipMap.get(tr.b) };
          t.trans.push(id);
        }
      }
    }
    for (const mid of src.markers) {
      const id = nid('m');
      S.w.markers[id] = { ...S.w.markers[mid], id, guid: guidString(++S.n), ownerId: s.id };
      s.markers.push(id);
    }
    return s;
  }

  function deleteSequenceData(s) {
    for (const t of tracksOfSeq(s)) {
      for (const id of [...t.clips]) removeClip(id);
      delete S.w.tracks[t.id];
    }
    for (const id of s.markers) delete S.w.markers[id];
    const n = S.w.nodes[s.nodeId];
    if (n) { detachNode(n); delete S.w.nodes[n.id]; }
    S.w.seqOrder = S.w.seqOrder.filter((x) => x !== s.id);
    if (S.w.activeSeqId === s.id) S.w.activeSeqId = null;
    delete S.w.seqs[s.id];
  }

  /* ---------------------------------------------------------------- locks, actions, transactions */

  // Action (classes/action.md; types.d.ts: an empty type): made only under the lock, bound to that lock callback (its epoch), applied when a
  // transaction commits. `apply` reads and writes S.w and throws to refuse.
  function makeAction(what, apply) {
    if (S.lock.depth === 0) {
      throw new Error(`Requires locked access (premierepro fake: ${what} was called outside project.lockedAccess / executeTransaction's callback; 26.3 rule)`);
    }
    const action = strict('Action', {});
    S.actions.set(action, { what, apply, epoch: S.lock.epoch, added: false });
    return action;
  }

  // CompoundAction (classes/compoundaction.md): valid only while its transaction's callback runs.
  function compoundAction(txn) {
    return strict('CompoundAction', {
      addAction(action) {
        if (!txn.open) fail('CompoundAction.addAction after its executeTransaction callback returned');
        const rec = S.actions.get(action);
        if (!rec) throw new TypeError(`premierepro: CompoundAction.addAction takes an Action (${pageOf('CompoundAction')})`);
        if (rec.epoch !== S.lock.epoch || S.lock.depth === 0) {
          throw new Error(`premierepro fake: stale Action (${rec.what}): it was created in a lock callback that has returned; since 26.3 an action does not outlive its lock`);
        }
        if (rec.added) fail(`the Action (${rec.what}) was already added to a transaction`);
        rec.added = true;
        txn.actions.push(rec);
        return true;
      },
      get empty() { return txn.actions.length === 0; },
    });
  }

  function refuseAsync(fn, where) {
    if (typeof fn !== 'function') throw new TypeError(`premierepro: ${where} takes a function`);
    if (isAsyncFunction(fn)) {
      throw new TypeError(`premierepro fake: ${where}'s callback must be synchronous (the lock is released when it returns; 26.3 rule), got an async function`);
    }
  }
  function refuseThenable(r, where) {
    if (isThenable(r)) {
      r.then(() => {}, () => {});
      throw new TypeError(`premierepro fake: ${where}'s callback returned a Promise: it must be synchronous (the lock is released when it returns; 26.3 rule)`);
    }
  }

  // Project.lockedAccess (classes/project.md): synchronous, returns void. Re-entrant (the
  // reference does not say; a nested call keeps the outer lock).
  function lockedAccess(cb) {
    refuseAsync(cb, 'Project.lockedAccess');
    if (S.lock.depth === 0) S.lock.epoch++;
    S.lock.depth++;
    let r;
    try { r = cb(); } finally { S.lock.depth--; }
    refuseThenable(r, 'Project.lockedAccess');
    return undefined;
  }

  // Project.executeTransaction (classes/project.md): synchronous, returns boolean.
  function executeTransaction(cb, undoString) {
    refuseAsync(cb, 'Project.executeTransaction');
    if (undoString !== undefined) argString(undoString, 'Project.executeTransaction(callback, undoString)');
    if (S.lock.txn) fail('executeTransaction inside another executeTransaction callback');
    let opened = false;
    if (S.lock.depth === 0) {
      if (opts.transactionNeedsLock) throw new Error('Requires locked access (premierepro fake: executeTransaction outside project.lockedAccess)');
      S.lock.epoch++;
      S.lock.depth++;
      opened = true;
    }
    const txn = { actions: [], open: true };
    S.lock.txn = txn;
    let r;
    try {
      r = cb(compoundAction(txn));
    } finally {
      txn.open = false;
      S.lock.txn = null;
      if (opened) S.lock.depth--;
    }
    refuseThenable(r, 'Project.executeTransaction');
    if (!txn.actions.length) return true; // nothing to do (not an undo step)
    const snapshot = structuredClone(S.w);
    for (const rec of txn.actions) {
      try {
        rec.apply();
      } catch (e) {
        S.w = snapshot; // none of the transaction's actions applies
        S.failures.push({ undoString: undoString === undefined ? '' : undoString, action: rec.what, error: String(e && e.message ? e.message : e) });
        return false;
      }
    }
    S.transactions.push(undoString === undefined ? '' : undoString);
    return true;
  }

  /* ---------------------------------------------------------------- values */

  // TickTime (classes/ticktime.md): whole ticks, immutable; there is no TICKS_PER_SECOND.
  function tickTime(ticks) {
    const n = Math.round(ticks);
    if (!Number.isFinite(n)) fail(`a TickTime of ${ticks} ticks (TIME_INVALID and the like are not modelled)`);
    return strict('TickTime', {
      get seconds() { return n / TICKS; },
      get ticks() { return String(n); },
      get ticksNumber() { return n; },
      equals(o) { return argTicks(o, 'TickTime.equals') === n; },
      add(o) { return tickTime(n + argTicks(o, 'TickTime.add')); },
      subtract(o) { return tickTime(n - argTicks(o, 'TickTime.subtract')); },
      multiply(f) { return tickTime(n * argNumber(f, 'TickTime.multiply')); },
      divide(d) {
        if (argNumber(d, 'TickTime.divide') === 0) fail('TickTime.divide by zero gives TIME_INVALID, which is not modelled');
        return tickTime(n / d);
      },
      alignToFrame(fr) { const tpf = argTpf(fr, 'TickTime.alignToFrame'); return tickTime(Math.floor(n / tpf) * tpf); },
      alignToNearestFrame(fr) { const tpf = argTpf(fr, 'TickTime.alignToNearestFrame'); return tickTime(Math.round(n / tpf) * tpf); },
    }, { meta: { ticks: n } });
  }

  // FrameRate (classes/framerate.md): value (fps, read-only), ticksPerFrame (read/write).
  function frameRate(tpf) {
    const m = { cls: 'FrameRate', tpf };
    const p = strict('FrameRate', {
      get value() { return TICKS / m.tpf; },
      get ticksPerFrame() { return m.tpf; },
      set ticksPerFrame(v) { m.tpf = argNumber(v, 'FrameRate.ticksPerFrame'); },
      equals(o) { return argTpf(o, 'FrameRate.equals') === m.tpf; },
    }, { writable: ['ticksPerFrame'] });
    S.meta.set(p, m);
    return p;
  }
  function argTpf(v, what) { return argOf(v, ['FrameRate'], what).tpf; }

  // Guid (classes/guid.md): toString() only.
  const guidOf = (str) => once(`Guid:${str}`, () => strict('Guid', { toString() { return str; } }, { meta: { str } }));
  const argGuid = (v, what) => argOf(v, ['Guid'], what).str;
  const MEDIA_TYPE_GUID = { video: 'c0000000-0000-4000-8000-000000000001', audio: 'c0000000-0000-4000-8000-000000000002' };

  // Color (classes/color.md). Marker colours by index: approximate RGB, not documented.
  const MARKER_RGB = [[0, 255, 0], [255, 0, 0], [255, 0, 255], [255, 128, 0], [255, 255, 0], [255, 255, 255], [0, 0, 255], [0, 255, 255]];
  function color([red, green, blue], alpha = 255) {
    const st = { red, green, blue, alpha };
    const p = strict('Color', {
      get red() { return st.red; }, set red(v) { st.red = v; },
      get green() { return st.green; }, set green(v) { st.green = v; },
      get blue() { return st.blue; }, set blue(v) { st.blue = v; },
      get alpha() { return st.alpha; }, set alpha(v) { st.alpha = v; },
      equals(o) { const c = argOf(o, ['Color'], 'Color.equals').st; return ['red', 'green', 'blue', 'alpha'].every((k) => c[k] === st[k]); },
    }, { writable: ['red', 'green', 'blue', 'alpha'], meta: { st } });
    return p;
  }
  // RectF (classes/rectf.md).
  function rectF(width, height) {
    const st = { width, height };
    return strict('RectF', {
      get width() { return st.width; }, set width(v) { st.width = v; },
      get height() { return st.height; }, set height(v) { st.height = v; },
    }, { writable: ['width', 'height'] });
  }
  const Constants = constantsFor(atLeast);
  const MEDIA_TYPES = Object.values(Constants.MediaType);
  function argMediaType(v, what, optional) {
    if (optional && v === undefined) return v;
    if (!MEDIA_TYPES.includes(v)) throw new TypeError(`premierepro: ${what} takes a Constants.MediaType`);
    return v;
  }
  const mix = (target, src) => Object.defineProperties(target, Object.getOwnPropertyDescriptors(src));

  /* ---------------------------------------------------------------- Project (classes/project.md) */

  function projectWrapper() {
    return once('Project', () => strict('Project', {
      get guid() { return guidOf(PROJECT_GUID); },
      get name() { return opts.projectName; },
      get path() { return opts.projectPath; },
      async getActiveSequence() { return S.w.activeSeqId ? sequenceWrapper(S.w.activeSeqId) : null; },
      async setActiveSequence(seq) { const id = argSeq(seq, 'Project.setActiveSequence'); seqOf(id); S.w.activeSeqId = id; return true; },
      // "Open a sequence": in the fake, opening makes it the active sequence.
      async openSequence(seq) { const id = argSeq(seq, 'Project.openSequence'); seqOf(id); S.w.activeSeqId = id; return true; },
      async closeSequence(seq) {
        const id = argSeq(seq, 'Project.closeSequence');
        seqOf(id);
        if (S.w.activeSeqId === id) S.w.activeSeqId = null;
        return true;
      },
      // A new empty sequence (defaultFps, defaultTracks) in the insertion bin, made active as
      // Premiere's New Sequence does; the preset is not read.
      async createSequence(name, presetPath) {
        argString(name, 'Project.createSequence(name)');
        if (presetPath !== undefined) argString(presetPath, 'Project.createSequence(name, presetPath)');
        return sequenceWrapper(emptySequence(name).id);
      },
      async createSequenceWithPresetPath(name, presetPath) {
        argString(name, 'Project.createSequenceWithPresetPath(name)');
        argString(presetPath, 'Project.createSequenceWithPresetPath(name, presetPath)');
        return sequenceWrapper(emptySequence(name).id);
      },
      // The items one after the other on V1/A1 (each its marked range), at the first item's rate.
      async createSequenceFromMedia(name, clipProjectItems, targetBin) {
        argString(name, 'Project.createSequenceFromMedia(name)');
        const items = clipProjectItems === undefined ? [] : clipProjectItems;
        if (!Array.isArray(items)) throw new TypeError('premierepro: Project.createSequenceFromMedia takes an array of ClipProjectItem');
        const ids = items.map((x) => argOf(x, ['ClipProjectItem'], 'Project.createSequenceFromMedia(name, clipProjectItems)').id);
        const binId = targetBin === undefined ? null : binArg(targetBin, 'Project.createSequenceFromMedia(…, targetBin)');
        const first = ids.length ? nodeOf(ids[0]) : null;
        const s = emptySequence(name, first ? first.tpf : undefined, binId);
        let at = 0;
        for (const id of ids) {
          const n = nodeOf(id);
          const srcIn = n.inMark ?? 0;
          const dur = (n.outMark ?? nodeDuration(n)) - srcIn;
          const targets = [...(n.video ? [{ kind: 'video', index: 0 }] : []), ...(n.audio ? [{ kind: 'audio', index: 0 }] : [])];
          place(s, { time: at, dur, nodeId: id, name: n.name, srcIn, targets, mode: 'overwrite' });
          at += dur;
        }
        return sequenceWrapper(s.id);
      },
      async deleteSequence(seq) {
        const id = argSeq(seq, 'Project.deleteSequence');
        deleteSequenceData(seqOf(id));
        return true;
      },
      async getInsertionBin() { return projectItemWrapper(S.w.insertionBinId || S.w.rootId); },
      async getRootItem() { return folderWrapper(S.w.rootId); },
      getSequence(guid) {
        const str = argGuid(guid, 'Project.getSequence');
        const id = S.w.seqOrder.find((x) => S.w.seqs[x].guid === str);
        return id ? sequenceWrapper(id) : null;
      },
      async getSequences() { return S.w.seqOrder.map(sequenceWrapper); },
      // "Import files in root/target bin of the project" — that is all the reference says. The fake
      // does what Premiere's importer does with an FCP7 XML (.xml) file: a bin named after the
      // file, holding a new sequence and its media's clips (the sequence is not opened); any other
      // path becomes a clip (defaultMediaFrames long, or mediaFrames[path]). Not a transaction: no
      // lock needed. Resolves false when a file could not be imported (state.failures says why).
      async importFiles(filePaths, suppressUI, targetBin, asNumberedStills) {
        if (!Array.isArray(filePaths) || filePaths.some((p) => typeof p !== 'string')) {
          throw new TypeError('premierepro: Project.importFiles takes an array of file paths (string[])');
        }
        if (suppressUI !== undefined) argBool(suppressUI, 'Project.importFiles(filePaths, suppressUI)');
        if (asNumberedStills !== undefined) argBool(asNumberedStills, 'Project.importFiles(…, asNumberedStills)');
        const binId = targetBin === undefined || targetBin === null ? (S.w.insertionBinId || S.w.rootId) : binArg(targetBin, 'Project.importFiles(…, targetBin)');
        let ok = true;
        for (const p of filePaths) {
          if (/\.xml$/i.test(p)) {
            let desc;
            try { desc = readXmeml(p); } catch (e) {
              ok = false;
              S.failures.push({ import: p, error: String(e.message || e) });
              continue;
            }
            const bin = newNode({ kind: 'bin', name: path.basename(p) }, binId);
            build(desc, { binId: bin.id, items: new Map() });
          } else {
            addMediaNode(p, {}, binId);
          }
          S.imported.push(p);
        }
        return ok;
      },
      executeTransaction,
      lockedAccess,
      async save() { return true; },
      async saveAs(p) { argString(p, 'Project.saveAs'); return true; },
    }));
  }
  function emptySequence(name, tpf, binId) {
    const s = newSequence({ name, tpf: tpf || TICKS / opts.defaultFps, binId: binId || S.w.insertionBinId || S.w.rootId });
    for (let i = 0; i < opts.defaultTracks.video; i++) newTrack(s, 'video');
    for (let i = 0; i < opts.defaultTracks.audio; i++) newTrack(s, 'audio');
    S.w.activeSeqId = s.id;
    return s;
  }
  function binArg(v, what) {
    const id = argNode(v, what);
    if (nodeOf(id).kind === 'clip') throw new TypeError(`premierepro: ${what} takes a bin, got a clip project item`);
    return id;
  }
  const AUDIO_EXT = /\.(wav|mp3|aif|aiff|m4a|aac|flac|ogg)$/i;
  const STILL_EXT = /\.(png|jpe?g|tiff?|psd|gif|bmp|exr|dpx)$/i;
  function addMediaNode(p, { frames, fps, video, audio, name, inFrame, outFrame } = {}, binId) {
    const tpf = TICKS / (fps || opts.defaultFps);
    const f = frames ?? opts.mediaFrames[p] ?? opts.defaultMediaFrames;
    return newNode({
      kind: 'clip', name: name || path.basename(p), path: p, dur: Math.round(f * tpf), tpf,
      video: video ?? !AUDIO_EXT.test(p), audio: audio ?? !STILL_EXT.test(p),
      inMark: inFrame === undefined ? null : Math.round(inFrame * tpf), outMark: outFrame === undefined ? null : Math.round(outFrame * tpf),
    }, binId || S.w.rootId);
  }

  /* ---------------------------------------------------------------- Sequence (classes/sequence.md) */

  function sequenceWrapper(id) {
    return once(`Sequence:${id}`, () => {
      const s = () => seqOf(id);
      const trackAt = (kind, i) => {
        argIndex(i, `Sequence.get${kind === 'video' ? 'Video' : 'Audio'}Track`);
        const ids = s()[kind];
        if (i < 0 || i >= ids.length) throw new RangeError(`premierepro fake: the sequence has no ${kind} track ${i} (${ids.length} tracks)`);
        return trackWrapper(ids[i]);
      };
      const selectionOf = (sel, what) => {
        const st = argOf(sel, ['TrackItemSelection'], what).state;
        if (!st.valid) fail(`${what}: the TrackItemSelection is no longer valid`);
        const q = s();
        q.selection = [...new Set(st.ids)].filter((cid) => S.w.clips[cid] && S.w.tracks[S.w.clips[cid].trackId].seqId === id);
        return true;
      };
      const impl = {
        get guid() { return guidOf(s().guid); },
        get name() { return s().name; },
        async getVideoTrackCount() { return s().video.length; },
        async getAudioTrackCount() { return s().audio.length; },
        async getCaptionTrackCount() { s(); return 0; },
        async getVideoTrack(i) { return trackAt('video', i); },
        async getAudioTrack(i) { return trackAt('audio', i); },
        async getEndTime() { return tickTime(seqEnd(s())); },
        async getZeroPoint() { return tickTime(s().zero); },
        // The ticks of one frame, as a string.
        async getTimebase() { return String(s().tpf); },
        async getSettings() { s(); return settingsWrapper(id); },
        // TimeDisplay (types.d.ts; the reference's samples read `.type`).
        async getSequenceVideoTimeDisplayFormat() { return strict('TimeDisplay', { type: s().display }, { members: ['type'] }); },
        async getInPoint() { return tickTime(s().inPt ?? 0); },
        async getOutPoint() { const q = s(); return tickTime(q.outPt ?? seqEnd(q)); },
        async getPlayerPosition() { return tickTime(s().player); },
        async setPlayerPosition(t) { const k = t === undefined ? 0 : argTicks(t, 'Sequence.setPlayerPosition'); s().player = k; return true; },
        async getProjectItem() { return projectItemWrapper(s().nodeId); },
        async getFrameSize() { s(); return rectF(1920, 1080); },
        async isDoneAnalyzingForVideoEffects() { s(); return true; },
        async getSelection() { return selectionWrapper({ ids: [...s().selection], valid: true }); },
        async clearSelection() { s().selection = []; return true; },
        createCloneAction() {
          s();
          return makeAction('Sequence.createCloneAction', () => { const q = seqOf(id); cloneSequence(q, `${q.name} Copy`); });
        },
        createSetInPointAction(t) {
          const k = argTicks(t, 'Sequence.createSetInPointAction');
          s();
          return makeAction('Sequence.createSetInPointAction', () => { seqOf(id).inPt = k; });
        },
        createSetOutPointAction(t) {
          const k = argTicks(t, 'Sequence.createSetOutPointAction');
          s();
          return makeAction('Sequence.createSetOutPointAction', () => { seqOf(id).outPt = k; });
        },
        createSetZeroPointAction(t) {
          const k = argTicks(t, 'Sequence.createSetZeroPointAction');
          s();
          return makeAction('Sequence.createSetZeroPointAction', () => { seqOf(id).zero = k; });
        },
      };
      // setSelection: "Since 26.3: This function is now synchronous and returns a boolean instead
      // of a Promise<boolean>" (the .md; the 26.3 types.d.ts still says Promise).
      impl.setSelection = atLeast('26.3')
        ? function setSelection(sel) { return selectionOf(sel, 'Sequence.setSelection'); }
        : async function setSelection(sel) { return selectionOf(sel, 'Sequence.setSelection'); };
      return strict('Sequence', impl, { meta: { id } });
    });
  }

  // SequenceSettings (classes/sequencesettings.md): only getVideoFrameRate (synchronous) is modelled.
  const settingsWrapper = (id) => once(`Settings:${id}`, () => strict('SequenceSettings', {
    getVideoFrameRate() { return frameRate(seqOf(id).tpf); },
  }));

  /* ---------------------------------------------------------------- tracks (classes/videotrack.md, audiotrack.md) */

  function trackWrapper(id) {
    return once(`Track:${id}`, () => {
      const t = () => trackOf(id);
      const kind = S.w.tracks[id].kind;
      const cls = kind === 'video' ? 'VideoTrack' : 'AudioTrack';
      return strict(cls, {
        get name() { return t().name; },
        get id() { return t().tid; },
        async getIndex() { return trackIndex(t()); },
        async getMediaType() { t(); return guidOf(MEDIA_TYPE_GUID[kind]); },
        async isMuted() { return t().muted; },
        async setMute(mute) { argBool(mute, `${cls}.setMute`); t().muted = mute; return true; },
        // Synchronous; an array. Gap items (EMPTY) come with includeEmptyTrackItems, or when
        // EMPTY is asked for; PREVIEW and FEEDBACK give none; audio tracks have no transitions.
        getTrackItems(trackItemType, includeEmptyTrackItems) {
          if (![0, 1, 2, 3, 4].includes(trackItemType)) {
            throw new TypeError(`premierepro: ${cls}.getTrackItems takes a Constants.TrackItemType (Empty 0, Clip 1, Transition 2, Preview 3, Feedback 4), got ${String(trackItemType)}`);
          }
          argBool(includeEmptyTrackItems, `${cls}.getTrackItems(trackItemType, includeEmptyTrackItems)`);
          const tr = t();
          const out = [];
          if (trackItemType === 1) for (const c of clipsOfTrack(tr)) out.push([c.start, clipWrapper(c.id)]);
          if (trackItemType === 2 && kind === 'video') for (const x of tr.trans.map((i) => S.w.trans[i])) out.push([cutOf(x) - x.pre, transitionWrapper(x.id)]);
          if (includeEmptyTrackItems || trackItemType === 0) {
            let cursor = 0;
            for (const c of clipsOfTrack(tr)) {
              if (c.start > cursor) out.push([cursor, emptyItem(id, cursor, c.start)]);
              cursor = Math.max(cursor, c.end);
            }
          }
          return out.sort((a, b) => a[0] - b[0]).map((x) => x[1]);
        },
        createSetNameAction(name) {
          argString(name, `${cls}.createSetNameAction`);
          t();
          return makeAction(`${cls}.createSetNameAction`, () => { trackOf(id).name = name; });
        },
      }, { meta: { id } });
    });
  }

  /* ---------------------------------------------------------------- track items (classes/videocliptrackitem.md, audiocliptrackitem.md) */

  // VideoClipTrackItem / AudioClipTrackItem (classes/videocliptrackitem.md, audiocliptrackitem.md).
  // The getters return Promises (types.d.ts). In/out are source times from
  // the media's start; a clip at speed s shows (end - start) * s of source.
  function clipWrapper(id) {
    return once(`Clip:${id}`, () => {
      const kind = S.w.tracks[S.w.clips[id].trackId].kind;
      const cls = kind === 'video' ? 'VideoClipTrackItem' : 'AudioClipTrackItem';
      const c = () => clipOf(id);
      const act = (what, apply) => { c(); return makeAction(`${cls}.${what}`, () => apply(clipOf(id))); };
      const trackOfClip = (x) => S.w.tracks[x.trackId];
      const media = (x) => (S.w.nodes[x.nodeId] ? nodeDuration(S.w.nodes[x.nodeId]) : Infinity);
      const mustFit = (x, s, e) => { if (overlapsOthers(trackOfClip(x), s, e, x.id)) fail(`${cls}: the new range overlaps another clip on the track`); };
      const impl = {
        async getName() { return c().name; },
        async getIsSelected() { const x = c(); return S.w.seqs[trackOfClip(x).seqId].selection.includes(id); },
        async getSpeed() { return c().speed; },
        async isAdjustmentLayer() { c(); return false; },
        async isSpeedReversed() { c(); return 0; },
        async getInPoint() { return tickTime(c().in); },
        async getOutPoint() { return tickTime(outOf(c())); },
        async getStartTime() { return tickTime(c().start); },
        async getEndTime() { return tickTime(c().end); },
        async getDuration() { const x = c(); return tickTime(x.end - x.start); },
        async getType() { c(); return Constants.TrackItemType.CLIP; },
        async isDisabled() { return c().disabled; },
        async getMediaType() { c(); return guidOf(MEDIA_TYPE_GUID[kind]); },
        async getTrackIndex() { return trackIndex(trackOfClip(c())); },
        async getProjectItem() { const x = c(); return S.w.nodes[x.nodeId] ? projectItemWrapper(x.nodeId) : null; },
        // "moves the inPoint of the track item to a new time, by shifting it": by the given
        // amount (relative), start and end together.
        createMoveAction(t) {
          const d = argTicks(t, `${cls}.createMoveAction`);
          return act('createMoveAction', (x) => {
            if (x.start + d < 0) fail(`${cls}.createMoveAction: the item would start before the sequence`);
            mustFit(x, x.start + d, x.end + d);
            x.start += d; x.end += d;
          });
        },
        // In/out: the start stays, the end follows the new source range.
        createSetInPointAction(t) {
          const k = argTicks(t, `${cls}.createSetInPointAction`);
          return act('createSetInPointAction', (x) => {
            const out = outOf(x);
            if (k < 0 || k >= out) fail(`${cls}.createSetInPointAction: the in point must lie in [0, out)`);
            const end = x.start + Math.round((out - k) / x.speed);
            mustFit(x, x.start, end);
            x.in = k; x.end = end;
          });
        },
        createSetOutPointAction(t) {
          const k = argTicks(t, `${cls}.createSetOutPointAction`);
          return act('createSetOutPointAction', (x) => {
            if (k <= x.in || k > media(x)) fail(`${cls}.createSetOutPointAction: the out point must lie in (in, the media's end]`);
            const end = x.start + Math.round((k - x.in) / x.speed);
            mustFit(x, x.start, end);
            x.end = end;
          });
        },
        // Start/end: a trim of that edge (the other edge stays, the source follows).
        createSetStartAction(t) {
          const k = argTicks(t, `${cls}.createSetStartAction`);
          return act('createSetStartAction', (x) => {
            const srcIn = x.in + Math.round((k - x.start) * x.speed);
            if (k < 0 || k >= x.end || srcIn < 0) fail(`${cls}.createSetStartAction: the start must lie before the end, with source media under it`);
            mustFit(x, k, x.end);
            x.in = srcIn; x.start = k;
          });
        },
        createSetEndAction(t) {
          const k = argTicks(t, `${cls}.createSetEndAction`);
          return act('createSetEndAction', (x) => {
            const srcOut = x.in + Math.round((k - x.start) * x.speed);
            if (k <= x.start || srcOut > media(x)) fail(`${cls}.createSetEndAction: the end must lie after the start, with source media under it`);
            mustFit(x, x.start, k);
            x.end = k;
          });
        },
        createSetDisabledAction(disabled) {
          argBool(disabled, `${cls}.createSetDisabledAction`);
          return act('createSetDisabledAction', (x) => { x.disabled = disabled; });
        },
        createSetNameAction(name) {
          argString(name, `${cls}.createSetNameAction`);
          return act('createSetNameAction', (x) => { x.name = name; });
        },
      };
      if (kind === 'video') {
        // The transition goes on the item's end (or start, with setApplyToStart(true)); across the
        // cut when another clip touches that edge (placed by transitionAlignment: 0 starts at the
        // cut, 0.5 centred, 1 ends at the cut), else single-sided inside the item; one per edge.
        impl.createAddVideoTransitionAction = function createAddVideoTransitionAction(videoTransition, options) {
          const vt = argOf(videoTransition, ['VideoTransition'], 'VideoClipTrackItem.createAddVideoTransitionAction(videoTransition)');
          const o = options === undefined
            ? { applyToStart: false, forceSingleSided: false, alignment: 0.5, duration: null }
            : { ...argOf(options, ['AddTransitionOptions'], 'VideoClipTrackItem.createAddVideoTransitionAction(…, addTransitionOptions)').state };
          return act('createAddVideoTransitionAction', (x) => {
            const t = trackOfClip(x);
            const tpf = S.w.seqs[t.seqId].tpf;
            const d = Math.round((o.duration === null ? opts.transitionSeconds * TICKS : o.duration) / tpf) * tpf;
            if (d <= 0) fail('the transition has no duration');
            const cut = o.applyToStart ? x.start : x.end;
            const other = clipsOfTrack(t).find((y) => y.id !== x.id && (o.applyToStart ? y.end === cut : y.start === cut));
            let a, b, pre;
            if (other && !o.forceSingleSided) {
              [a, b] = o.applyToStart ? [other, x] : [x, other];
              pre = Math.floor((d / tpf) * o.alignment) * tpf;
              if (pre > a.end - a.start || d - pre > b.end - b.start) fail('the transition is longer than a clip beside the cut');
            } else {
              if (d > x.end - x.start) fail('the transition is longer than the clip');
              [a, b] = o.applyToStart ? [null, x] : [x, null];
              pre = o.applyToStart ? 0 : d;
            }
            for (const y of transitionsWhere(t, (z) => cutOf(z) === cut && ((a && z.a === a.id) || (b && z.b === b.id)))) removeTransition(y.id);
            const tid = nid('x');
            S.w.trans[tid] = { id: tid, trackId: t.id, a: a ? a.id : null, b: b ? b.id : null, pre, post: d - pre, matchName: vt.matchName };
            t.trans.push(tid);
          });
        };
        // Removes the transition on the item's START or END (END when no position is given);
        // refused when there is none.
        impl.createRemoveVideoTransitionAction = function createRemoveVideoTransitionAction(transitionPosition) {
          const pos = transitionPosition === undefined ? Constants.TransitionPosition.END : transitionPosition;
          if (![Constants.TransitionPosition.START, Constants.TransitionPosition.END].includes(pos)) {
            throw new TypeError('premierepro: VideoClipTrackItem.createRemoveVideoTransitionAction takes a Constants.TransitionPosition');
          }
          return act('createRemoveVideoTransitionAction', (x) => {
            const found = transitionsWhere(trackOfClip(x), (z) => (pos === Constants.TransitionPosition.START ? z.b === x.id : z.a === x.id));
            if (!found.length) fail(`no transition at the item's ${pos === Constants.TransitionPosition.START ? 'start' : 'end'}`);
            for (const z of found) removeTransition(z.id);
          });
        };
      }
      return strict(cls, impl, { meta: { id, kind: 'clip' } });
    });
  }

  // A TRANSITION or EMPTY track item: the documented VideoClipTrackItem / AudioClipTrackItem
  // members, of which only the timing ones (and getType, getTrackIndex, getName, getMatchName of a
  // transition) are modelled.
  function otherItem(cls, kind, meta, modelled) {
    const impl = {};
    for (const m of available(cls)) impl[m] = () => fail(`${cls}.${m} on a${kind === 'empty' ? 'n EMPTY' : ' TRANSITION'} track item is not modelled`);
    mix(impl, modelled);
    return strict(cls, impl, { meta: { ...meta, kind } });
  }
  function transitionWrapper(id) {
    return once(`Trans:${id}`, () => {
      const x = () => S.w.trans[id] || fail('the transition no longer exists');
      return otherItem('VideoClipTrackItem', 'transition', { id }, {
        async getStartTime() { const y = x(); return tickTime(cutOf(y) - y.pre); },
        async getEndTime() { const y = x(); return tickTime(cutOf(y) + y.post); },
        async getDuration() { const y = x(); return tickTime(y.pre + y.post); },
        async getType() { x(); return Constants.TrackItemType.TRANSITION; },
        async getTrackIndex() { return trackIndex(S.w.tracks[x().trackId]); },
        async getMatchName() { return x().matchName; },
        async getName() { return x().matchName.replace(/^AE\.ADBE /, ''); },
      });
    });
  }
  function emptyItem(trackId, start, end) {
    const cls = S.w.tracks[trackId].kind === 'video' ? 'VideoClipTrackItem' : 'AudioClipTrackItem';
    return otherItem(cls, 'empty', { id: null }, {
      async getStartTime() { return tickTime(start); },
      async getEndTime() { return tickTime(end); },
      async getDuration() { return tickTime(end - start); },
      async getType() { return Constants.TrackItemType.EMPTY; },
      async getTrackIndex() { return trackIndex(trackOf(trackId)); },
    });
  }

  /* ---------------------------------------------------------------- TrackItemSelection (classes/trackitemselection.md) */

  function selectionWrapper(st) {
    const check = (what) => { if (!st.valid) fail(`TrackItemSelection.${what}: the selection is no longer valid (it lives only inside createEmptySelection's callback)`); };
    const itemId = (item, what) => {
      const m = argOf(item, ['VideoClipTrackItem', 'AudioClipTrackItem'], `TrackItemSelection.${what}`);
      return m.kind === 'clip' ? m.id : null;
    };
    return strict('TrackItemSelection', {
      // false for a transition or gap item, or a duplicate (unless skipDuplicateCheck).
      addItem(trackItem, skipDuplicateCheck) {
        check('addItem');
        const id = itemId(trackItem, 'addItem');
        if (skipDuplicateCheck !== undefined) argBool(skipDuplicateCheck, 'TrackItemSelection.addItem(trackItem, skipDuplicateCheck)');
        if (!id || !S.w.clips[id]) return false;
        if (!skipDuplicateCheck && st.ids.includes(id)) return false;
        st.ids.push(id);
        return true;
      },
      removeItem(trackItem) {
        check('removeItem');
        const id = itemId(trackItem, 'removeItem');
        const i = st.ids.indexOf(id);
        if (i < 0) return false;
        st.ids.splice(i, 1);
        return true;
      },
      async getTrackItems() {
        check('getTrackItems');
        return [...new Set(st.ids)].filter((id) => S.w.clips[id]).map(clipWrapper);
      },
    }, { meta: { state: st } });
  }

  /* ---------------------------------------------------------------- SequenceEditor (classes/sequenceeditor.md) */

  function editorWrapper(seqId) {
    return once(`Editor:${seqId}`, () => {
      const s = () => seqOf(seqId);
      const trackArgs = (v, a, what) => {
        argIndex(v, `${what}(…, videoTrackIndex)`);
        argIndex(a, `${what}(…, audioTrackIndex)`);
        if (opts.negativeTrackIndex === 'throw' && (v < 0 || a < 0)) throw new RangeError(`premierepro fake: ${what}: a negative track index`);
      };
      // The item's marked in/out (the whole media when none is marked), on the video and audio
      // track given (a negative index: none of that kind); an index past the last makes a track.
      const placeItem = (nodeId, time, v, a, mode, limitShift) => {
        const n = nodeOf(nodeId);
        if (n.kind !== 'clip') fail('only a clip project item can be placed, not a bin');
        if (n.seqId) fail('placing a sequence in a sequence (nesting) is not modelled');
        const srcIn = n.inMark ?? 0;
        const srcOut = n.outMark ?? n.dur;
        const targets = [...(n.video && v >= 0 ? [{ kind: 'video', index: v }] : []), ...(n.audio && a >= 0 ? [{ kind: 'audio', index: a }] : [])];
        place(seqOf(seqId), { time, dur: srcOut - srcIn, nodeId, name: n.name, srcIn, targets, mode, limitShift });
      };
      return strict('SequenceEditor', {
        // Removes the selection's items; with ripple, each gap closes on its own track (later
        // items there move left). mediaType and shiftOverLapping are taken and not modelled.
        createRemoveItemsAction(trackItemSelection, ripple, mediaType, shiftOverLapping) {
          const st = argOf(trackItemSelection, ['TrackItemSelection'], 'SequenceEditor.createRemoveItemsAction(trackItemSelection)').state;
          if (!st.valid) fail('SequenceEditor.createRemoveItemsAction: the TrackItemSelection is no longer valid');
          argBool(ripple, 'SequenceEditor.createRemoveItemsAction(…, ripple)');
          argMediaType(mediaType, 'SequenceEditor.createRemoveItemsAction(…, mediaType)');
          if (shiftOverLapping !== undefined) argBool(shiftOverLapping, 'SequenceEditor.createRemoveItemsAction(…, shiftOverLapping)');
          const ids = [...new Set(st.ids)];
          s();
          return makeAction('SequenceEditor.createRemoveItemsAction', () => {
            const byTrack = new Map();
            for (const id of ids) {
              const c = S.w.clips[id] || fail('a selected track item no longer exists');
              if (S.w.tracks[c.trackId].seqId !== seqId) fail("a selected track item is not in the editor's sequence");
              if (!byTrack.has(c.trackId)) byTrack.set(c.trackId, []);
              byTrack.get(c.trackId).push(c);
            }
            for (const [tid, cs] of byTrack) {
              const t = S.w.tracks[tid];
              for (const c of cs.sort((x, y) => y.start - x.start)) {
                const { start, end } = c;
                removeClip(c.id);
                if (ripple) shiftFrom(t, end, start - end);
              }
            }
          });
        },
        // Insert: what follows `time` on the target tracks (every track, unless limitShift) moves
        // right by the inserted length, a clip across `time` being cut in two.
        createInsertProjectItemAction(projectItem, time, videoTrackIndex, audioTrackIndex, limitShift) {
          const nodeId = argNode(projectItem, 'SequenceEditor.createInsertProjectItemAction(projectItem)');
          const k = argTicks(time, 'SequenceEditor.createInsertProjectItemAction(…, time)');
          trackArgs(videoTrackIndex, audioTrackIndex, 'SequenceEditor.createInsertProjectItemAction');
          argBool(limitShift, 'SequenceEditor.createInsertProjectItemAction(…, limitShift)');
          s();
          return makeAction('SequenceEditor.createInsertProjectItemAction', () => placeItem(nodeId, k, videoTrackIndex, audioTrackIndex, 'insert', limitShift));
        },
        // Overwrite: whatever lies under the new item on its tracks is removed or trimmed.
        createOverwriteItemAction(projectItem, time, videoTrackIndex, audioTrackIndex) {
          const nodeId = argNode(projectItem, 'SequenceEditor.createOverwriteItemAction(projectItem)');
          const k = argTicks(time, 'SequenceEditor.createOverwriteItemAction(…, time)');
          trackArgs(videoTrackIndex, audioTrackIndex, 'SequenceEditor.createOverwriteItemAction');
          s();
          return makeAction('SequenceEditor.createOverwriteItemAction', () => placeItem(nodeId, k, videoTrackIndex, audioTrackIndex, 'overwrite', true));
        },
        // A copy of the item (its source range and speed) `timeOffset` later, on the track
        // `…TrackVerticalOffset` above (by its kind), inserted (that track only) or overwritten.
        createCloneTrackItemAction(trackItem, timeOffset, videoTrackVerticalOffset, audioTrackVerticalOffset, alignToVideo, isInsert) {
          const m = argOf(trackItem, ['VideoClipTrackItem', 'AudioClipTrackItem'], 'SequenceEditor.createCloneTrackItemAction(trackItem)');
          if (m.kind !== 'clip') throw new TypeError('premierepro fake: SequenceEditor.createCloneTrackItemAction of a transition or gap item is not modelled');
          const d = argTicks(timeOffset, 'SequenceEditor.createCloneTrackItemAction(…, timeOffset)');
          argIndex(videoTrackVerticalOffset, 'SequenceEditor.createCloneTrackItemAction(…, videoTrackVerticalOffset)');
          argIndex(audioTrackVerticalOffset, 'SequenceEditor.createCloneTrackItemAction(…, audioTrackVerticalOffset)');
          argBool(alignToVideo, 'SequenceEditor.createCloneTrackItemAction(…, alignToVideo)');
          argBool(isInsert, 'SequenceEditor.createCloneTrackItemAction(…, isInsert)');
          s();
          return makeAction('SequenceEditor.createCloneTrackItemAction', () => {
            const c = clipOf(m.id);
            const t = S.w.tracks[c.trackId];
            if (t.seqId !== seqId) fail("the track item is not in the editor's sequence");
            const index = trackIndex(t) + (t.kind === 'video' ? videoTrackVerticalOffset : audioTrackVerticalOffset);
            if (index < 0) fail('the clone would go below the first track');
            place(seqOf(seqId), { time: c.start + d, dur: c.end - c.start, nodeId: c.nodeId, name: c.name, srcIn: c.in, speed: c.speed,
              targets: [{ kind: t.kind, index }], mode: isInsert ? 'insert' : 'overwrite', limitShift: true });
          });
        },
      }, { meta: { seqId } });
    });
  }

  /* ---------------------------------------------------------------- markers (classes/markers.md, marker.md) */

  function markersWrapper(ownerKind, ownerId) {
    return once(`Markers:${ownerId}`, () => {
      const owner = () => (ownerKind === 'seq' ? seqOf(ownerId) : nodeOf(ownerId));
      const mine = (marker, what) => argOf(marker, ['Marker'], what).id;
      return strict('Markers', {
        // Synchronous; sorted by start; `filters`: marker types to keep.
        getMarkers(filters) {
          if (filters !== undefined && (!Array.isArray(filters) || filters.some((f) => typeof f !== 'string'))) {
            throw new TypeError('premierepro: Markers.getMarkers takes an optional array of marker types (string[])');
          }
          return owner().markers.map((id) => S.w.markers[id])
            .filter((m) => !filters || !filters.length || filters.includes(m.type))
            .sort((a, b) => a.start - b.start)
            .map((m) => markerWrapper(m.id));
        },
        // No colour argument: a new marker is green (index 0). Type defaults to Comment, start to
        // zero, duration to zero (a point marker).
        createAddMarkerAction(name, markerType, startTime, duration, comments) {
          argString(name, 'Markers.createAddMarkerAction(name)');
          if (markerType !== undefined) argString(markerType, 'Markers.createAddMarkerAction(…, markerType)');
          const start = startTime === undefined ? 0 : argTicks(startTime, 'Markers.createAddMarkerAction(…, startTime)');
          const dur = duration === undefined ? 0 : argTicks(duration, 'Markers.createAddMarkerAction(…, duration)');
          if (comments !== undefined) argString(comments, 'Markers.createAddMarkerAction(…, comments)');
          owner();
          return makeAction('Markers.createAddMarkerAction', () => {
            if (start < 0 || dur < 0) fail('a marker cannot start or last less than zero');
            const id = nid('m');
            S.w.markers[id] = { id, guid: guidString(++S.n), ownerId, name, comments: comments || '', type: markerType || 'Comment', start, dur, color: 0, url: '', target: '' };
            owner().markers.push(id);
          });
        },
        createRemoveMarkerAction(marker) {
          const id = mine(marker, 'Markers.createRemoveMarkerAction');
          owner();
          return makeAction('Markers.createRemoveMarkerAction', () => {
            const o = owner();
            if (!o.markers.includes(id)) fail('the marker is not one of these Markers');
            o.markers = o.markers.filter((x) => x !== id);
            delete S.w.markers[id];
          });
        },
        createMoveMarkerAction(marker, tickTimeArg) {
          const id = mine(marker, 'Markers.createMoveMarkerAction');
          const k = argTicks(tickTimeArg, 'Markers.createMoveMarkerAction(…, tickTime)');
          owner();
          return makeAction('Markers.createMoveMarkerAction', () => {
            if (!owner().markers.includes(id)) fail('the marker is not one of these Markers');
            if (k < 0) fail('a marker cannot start before zero');
            S.w.markers[id].start = k;
          });
        },
      }, { meta: { ownerKind, ownerId } });
    });
  }

  // Marker (classes/marker.md): getters synchronous. createSetColorByIndexAction takes 0..7 (Premiere's colour
  // indices; Constants.MarkerColor names seven of them).
  function markerWrapper(id) {
    return once(`Marker:${id}`, () => {
      const m = () => markerOf(id);
      const act = (what, apply) => { m(); return makeAction(`Marker.${what}`, () => apply(markerOf(id))); };
      return strict('Marker', {
        get guid() { return guidOf(m().guid); },
        getName() { return m().name; },
        getComments() { return m().comments; },
        getType() { return m().type; },
        getUrl() { return m().url; },
        getTarget() { return m().target; },
        getStart() { return tickTime(m().start); },
        getDuration() { return tickTime(m().dur); },
        getColorIndex() { return m().color; },
        getColor() { return color(MARKER_RGB[m().color] || MARKER_RGB[0]); },
        createSetColorByIndexAction(colorIndex) {
          if (!Number.isInteger(colorIndex) || colorIndex < 0 || colorIndex > 7) {
            throw new RangeError(`premierepro fake: Marker.createSetColorByIndexAction takes a colour index 0..7, got ${String(colorIndex)}`);
          }
          return act('createSetColorByIndexAction', (x) => { x.color = colorIndex; });
        },
        createSetNameAction(name) { argString(name, 'Marker.createSetNameAction'); return act('createSetNameAction', (x) => { x.name = name; }); },
        createSetCommentsAction(comments) { argString(comments, 'Marker.createSetCommentsAction'); return act('createSetCommentsAction', (x) => { x.comments = comments; }); },
        createSetTypeAction(markerType) { argString(markerType, 'Marker.createSetTypeAction'); return act('createSetTypeAction', (x) => { x.type = markerType; }); },
        createSetDurationAction(t) {
          const k = argTicks(t, 'Marker.createSetDurationAction');
          return act('createSetDurationAction', (x) => { if (k < 0) fail('a negative marker duration'); x.dur = k; });
        },
      }, { meta: { id } });
    });
  }

  /* ---------------------------------------------------------------- project items (classes/projectitem.md, clipprojectitem.md, folderitem.md) */

  // type: ProjectItem.TYPE_* (values not documented; Premiere's ExtendScript ProjectItemType
  // numbers: CLIP 1, BIN 2, ROOT 3, FILE 4; STYLE 5, COMPOUND 6 made up).
  const ITEM_TYPE = { TYPE_CLIP: 1, TYPE_BIN: 2, TYPE_ROOT: 3, TYPE_FILE: 4, TYPE_STYLE: 5, TYPE_COMPOUND: 6 };
  const typeOfNode = (n) => (n.kind === 'root' ? ITEM_TYPE.TYPE_ROOT : n.kind === 'bin' ? ITEM_TYPE.TYPE_BIN : ITEM_TYPE.TYPE_CLIP);
  function nodeMembers(id, cls) {
    const n = () => nodeOf(id);
    return {
      get name() { return n().name; },
      get type() { return typeOfNode(n()); },
      async getProject() { n(); return projectWrapper(); },
      async getColorLabelIndex() { return n().label; },
      createSetColorLabelAction(index) {
        argNumber(index, `${cls}.createSetColorLabelAction`);
        n();
        return makeAction(`${cls}.createSetColorLabelAction`, () => { nodeOf(id).label = index; });
      },
      // Renaming a sequence's item renames the sequence.
      createSetNameAction(name) {
        argString(name, `${cls}.createSetNameAction`);
        n();
        return makeAction(`${cls}.createSetNameAction`, () => {
          const x = nodeOf(id);
          x.name = name;
          if (x.seqId) seqOf(x.seqId).name = name;
        });
      },
    };
  }
  // ProjectItem (classes/projectitem.md).
  function projectItemWrapper(id) {
    return once(`ProjectItem:${id}`, () => strict('ProjectItem', mix(nodeMembers(id, 'ProjectItem'), {
      getId() { nodeOf(id); return id; },
      getParentBin() { const n = nodeOf(id); return n.parentId ? folderWrapper(n.parentId) : null; },
    }), { meta: { id } }));
  }
  // ClipProjectItem (classes/clipprojectitem.md): in/out are the item's marked range (source-monitor marks); none marked:
  // 0 and the media's duration.
  function clipItemWrapper(id) {
    return once(`ClipProjectItem:${id}`, () => {
      const n = () => nodeOf(id);
      // "errored in real Premiere before 26.5" (the brief's established fact; not in the reference).
      const since265 = (what) => {
        if (!atLeast('26.5')) throw new Error(`premierepro fake: ClipProjectItem.${what} errors in Premiere before 26.5 (this fake is ${opts.version})`);
      };
      const act = (what, apply) => { n(); return makeAction(`ClipProjectItem.${what}`, () => apply(nodeOf(id))); };
      return strict('ClipProjectItem', mix(nodeMembers(id, 'ClipProjectItem'), {
        async getMediaFilePath() { return n().path || ''; },
        async getInPoint(mediaType) { argMediaType(mediaType, 'ClipProjectItem.getInPoint(mediaType)', true); return tickTime(n().inMark ?? 0); },
        async getOutPoint(mediaType) { argMediaType(mediaType, 'ClipProjectItem.getOutPoint(mediaType)', true); const x = n(); return tickTime(x.outMark ?? nodeDuration(x)); },
        async isSequence() { return !!n().seqId; },
        async getSequence() { const x = n(); return x.seqId ? sequenceWrapper(x.seqId) : null; },
        async isOffline() { n(); return false; },
        async isMergedClip() { n(); return false; },
        async isMulticamClip() { n(); return false; },
        async getContentType() { return n().seqId ? Constants.ContentType.SEQUENCE : Constants.ContentType.MEDIA; },
        async getMedia() { n(); return mediaWrapper(id); },
        createSetInOutPointsAction(inPoint, outPoint) {
          since265('createSetInOutPointsAction');
          const i = argTicks(inPoint, 'ClipProjectItem.createSetInOutPointsAction(inPoint)');
          const o = argTicks(outPoint, 'ClipProjectItem.createSetInOutPointsAction(…, outPoint)');
          return act('createSetInOutPointsAction', (x) => {
            if (!(i >= 0 && i < o && o <= nodeDuration(x))) fail(`ClipProjectItem.createSetInOutPointsAction: in ${i} / out ${o} outside the media (0..${nodeDuration(x)} ticks)`);
            x.inMark = i; x.outMark = o;
          });
        },
        createSetInPointAction(t) {
          since265('createSetInPointAction');
          const k = argTicks(t, 'ClipProjectItem.createSetInPointAction');
          return act('createSetInPointAction', (x) => {
            if (!(k >= 0 && k < (x.outMark ?? nodeDuration(x)))) fail('ClipProjectItem.createSetInPointAction: the in point must lie before the out point');
            x.inMark = k;
          });
        },
        createSetOutPointAction(t) {
          since265('createSetOutPointAction');
          const k = argTicks(t, 'ClipProjectItem.createSetOutPointAction');
          return act('createSetOutPointAction', (x) => {
            if (!(k > (x.inMark ?? 0) && k <= nodeDuration(x))) fail('ClipProjectItem.createSetOutPointAction: the out point must lie after the in point, within the media');
            x.outMark = k;
          });
        },
        createClearInOutPointsAction() { return act('createClearInOutPointsAction', (x) => { x.inMark = null; x.outMark = null; }); },
      }), { meta: { id } });
    });
  }
  // Media (classes/media.md): start (zero: in/out are from the media's start) and duration.
  const mediaWrapper = (id) => once(`Media:${id}`, () => strict('Media', {
    get start() { nodeOf(id); return tickTime(0); },
    get duration() { return tickTime(nodeDuration(nodeOf(id))); },
  }));
  // FolderItem (classes/folderitem.md).
  function folderWrapper(id) {
    return once(`FolderItem:${id}`, () => {
      const n = () => nodeOf(id);
      const usedInSequences = (x) => Object.values(S.w.clips).some((c) => c.nodeId === x.id) || x.children.some((c) => usedInSequences(S.w.nodes[c]));
      const removeTree = (x) => {
        for (const c of [...x.children]) removeTree(S.w.nodes[c]);
        if (x.seqId) { deleteSequenceData(seqOf(x.seqId)); return; }
        detachNode(x);
        delete S.w.nodes[x.id];
      };
      return strict('FolderItem', mix(nodeMembers(id, 'FolderItem'), {
        async getItems() { return n().children.map(projectItemWrapper); },
        // makeUnique: "<name> 2", "<name> 3"... when a child bin has the name (Premiere's exact
        // numbering is not documented).
        createBinAction(name, makeUnique) {
          argString(name, 'FolderItem.createBinAction(name)');
          argBool(makeUnique, 'FolderItem.createBinAction(…, makeUnique)');
          n();
          return makeAction('FolderItem.createBinAction', () => {
            const names = new Set(nodeOf(id).children.map((c) => S.w.nodes[c]).filter((c) => c.kind === 'bin').map((c) => c.name));
            let nm = name;
            for (let i = 2; makeUnique && names.has(nm); i++) nm = `${name} ${i}`;
            newNode({ kind: 'bin', name: nm }, id);
          });
        },
        createRenameBinAction(name) {
          argString(name, 'FolderItem.createRenameBinAction');
          n();
          return makeAction('FolderItem.createRenameBinAction', () => { nodeOf(id).name = name; });
        },
        // A sequence's item takes its sequence with it; removing media a sequence uses is not modelled.
        createRemoveItemAction(item) {
          const itemId = argNode(item, 'FolderItem.createRemoveItemAction');
          n();
          return makeAction('FolderItem.createRemoveItemAction', () => {
            const x = nodeOf(itemId);
            if (x.parentId !== id) fail('the item is not in this folder');
            if (usedInSequences(x)) fail('removing media that a sequence uses is not modelled');
            removeTree(x);
          });
        },
        createMoveItemAction(item, newParent) {
          const itemId = argNode(item, 'FolderItem.createMoveItemAction(item)');
          const parentId = argOf(newParent, ['FolderItem'], 'FolderItem.createMoveItemAction(…, newParent)').id;
          n();
          return makeAction('FolderItem.createMoveItemAction', () => {
            const x = nodeOf(itemId);
            if (x.parentId !== id) fail('the item is not in this folder');
            for (let p = nodeOf(parentId); p; p = p.parentId ? S.w.nodes[p.parentId] : null) if (p.id === x.id) fail('a bin cannot go inside itself');
            detachNode(x);
            x.parentId = parentId;
            nodeOf(parentId).children.push(x.id);
          });
        },
      }), { meta: { id } });
    });
  }

  /* ---------------------------------------------------------------- the description format (the CEP fake's) */

  // A sequence from a description {name, tpf, zero, video: [[clip]], audio: [[clip]], markers,
  // transitions?} (frames; clips {name, path, start, end, in, speed, disabled?}; markers {start,
  // end, name, comments, color, type?}; transitions [[{at, duration}]] per video track). Clips of
  // one media path (or, without a path, of one name) share one ClipProjectItem, named as the
  // first such clip, as long as the furthest source frame any of them shows (or
  // desc.media[path] frames, when longer), with video and/or audio as the tracks it is on.
  function build(desc, { binId, items = S.pathItems } = {}) {
    const tpf = Number(desc.tpf);
    if (!(tpf > 0)) throw new TypeError('premierepro fake: buildSequence needs desc.tpf (ticks per frame)');
    const f = (x) => Math.round(x * tpf);
    const s = newSequence({ name: String(desc.name), tpf, zero: f(desc.zero || 0), binId: binId || S.w.rootId });
    if (desc.displayFormat !== undefined) s.display = desc.displayFormat;
    for (const kind of ['video', 'audio']) {
      for (const clips of desc[kind] || []) {
        const t = newTrack(s, kind);
        for (const c of clips) {
          const speed = c.speed || 1;
          const start = f(c.start);
          const end = f(c.end);
          const srcIn = f(c.in || 0);
          const key = c.path ? c.path : `name:${c.name}`;
          let n = items.has(key) ? S.w.nodes[items.get(key)] : null;
          if (!n) {
            n = newNode({ kind: 'clip', name: c.name, path: c.path || null, dur: 0, tpf, video: false, audio: false }, binId || S.w.rootId);
            items.set(key, n.id);
          }
          n.dur = Math.max(n.dur, srcIn + Math.round((end - start) * speed), desc.media && c.path && desc.media[c.path] ? f(desc.media[c.path]) : 0);
          n[kind] = true;
          addClip(t.id, { nodeId: n.id, name: c.name, start, end, in: srcIn, speed, disabled: c.disabled });
        }
      }
    }
    for (const mk of desc.markers || []) {
      const id = nid('m');
      const start = f(mk.start);
      S.w.markers[id] = { id, guid: guidString(++S.n), ownerId: s.id, name: mk.name || '', comments: mk.comments || '', type: mk.type || 'Comment',
        start, dur: Math.max(0, f(mk.end === undefined ? mk.start : mk.end) - start), color: mk.color || 0, url: '', target: '' };
      s.markers.push(id);
    }
    (desc.transitions || []).forEach((list, i) => {
      const t = S.w.tracks[s.video[i]];
      for (const tr of list || []) {
        const cut = f(tr.at);
        const a = clipsOfTrack(t).find((c) => c.end === cut) || null;
        const b = clipsOfTrack(t).find((c) => c.start === cut) || null;
        if (!a && !b) throw new Error(`premierepro fake: buildSequence: no clip edge at frame ${tr.at} on V${i + 1} for a transition`);
        const d = f(tr.duration);
        const pre = a && b ? Math.floor(tr.duration / 2) * tpf : a ? d : 0;
        const id = nid('x');
        S.w.trans[id] = { id, trackId: t.id, a: a ? a.id : null, b: b ? b.id : null, pre, post: d - pre, matchName: tr.matchName || opts.transitionMatchNames[0] };
        t.trans.push(id);
      }
    });
    return s;
  }

  // The sequence in the same format (frames; a fraction where something is off the frame grid),
  // with `transitions`: per video track, [{at: the cut's frame, duration: frames}].
  function describe(s) {
    const fr = (x) => x / s.tpf;
    const clips = (kind) => s[kind].map((tid) => clipsOfTrack(S.w.tracks[tid]).map((c) => {
      const n = S.w.nodes[c.nodeId];
      const o = { name: c.name, path: n ? n.path : null, start: fr(c.start), end: fr(c.end), in: fr(c.in), speed: c.speed };
      if (c.disabled) o.disabled = true;
      return o;
    }));
    return {
      name: s.name, tpf: s.tpf, zero: fr(s.zero),
      video: clips('video'), audio: clips('audio'),
      markers: s.markers.map((id) => S.w.markers[id]).sort((a, b) => a.start - b.start)
        .map((m) => ({ start: fr(m.start), end: fr(m.start + m.dur), name: m.name, comments: m.comments, color: m.color })),
      transitions: s.video.map((tid) => S.w.tracks[tid].trans.map((id) => S.w.trans[id])
        .map((x) => ({ at: fr(cutOf(x)), duration: fr(x.pre + x.post) })).sort((a, b) => a.at - b.at)),
    };
  }

  /* ---------------------------------------------------------------- the module */

  const T = Constants.TrackItemType;
  const trackItemStatics = { TRACKITEMTYPE_EMPTY: T.EMPTY, TRACKITEMTYPE_CLIP: T.CLIP, TRACKITEMTYPE_TRANSITION: T.TRANSITION, TRACKITEMTYPE_PREVIEW: T.PREVIEW, TRACKITEMTYPE_FEEDBACK: T.FEEDBACK };
  // AddTransitionOptions (classes/addtransitionoptions.md): `new ppro.AddTransitionOptions()` or `ppro.AddTransitionOptions()` (the
  // declarations give both). Defaults (not documented): end of the item, both sides when a clip
  // touches it, centred (alignment 0.5), duration `transitionSeconds`.
  function addTransitionOptions() {
    const st = { applyToStart: false, forceSingleSided: false, alignment: 0.5, duration: null };
    const self = strict('AddTransitionOptions', {
      setApplyToStart(b) { st.applyToStart = argBool(b, 'AddTransitionOptions.setApplyToStart'); return self; },
      setForceSingleSided(b) { st.forceSingleSided = argBool(b, 'AddTransitionOptions.setForceSingleSided'); return self; },
      setTransitionAlignment(n) {
        argNumber(n, 'AddTransitionOptions.setTransitionAlignment');
        if (n < 0 || n > 1) throw new RangeError('premierepro fake: transitionAlignment is modelled as 0 (starts at the cut), 0.5 (centred) to 1 (ends at the cut)');
        st.alignment = n;
        return self;
      },
      setDuration(t) { st.duration = argTicks(t, 'AddTransitionOptions.setDuration'); return self; },
      get applyToStart() { return st.applyToStart; },
      get forceSingleSided() { return st.forceSingleSided; },
      get transitionAlignment() { return st.alignment; },
      get duration() { return tickTime(st.duration === null ? opts.transitionSeconds * TICKS : st.duration); },
    }, { meta: { state: st } });
    return self;
  }
  const AddTransitionOptions = function AddTransitionOptions() { return addTransitionOptions(); };

  const modelled = {
    // Constants (constants/index.md).
    Constants: strict('Constants', Constants, { members: Object.keys(Constants) }),
    // Application (classes/application.md).
    Application: strict('Application', { get version() { return `${opts.version}.0`; } }),
    AddTransitionOptions,
    // Project (classes/project.md, static methods)
    Project: strict('Project.static', {
      async getActiveProject() { return opts.noProject ? null : projectWrapper(); },
      getProject(guid) { return argGuid(guid, 'Project.getProject') === PROJECT_GUID && !opts.noProject ? projectWrapper() : null; },
    }),
    Sequence: strict('Sequence.static', {}),
    // SequenceEditor (classes/sequenceeditor.md): getEditor is synchronous.
    SequenceEditor: strict('SequenceEditor.static', {
      getEditor(sequence) { const id = argSeq(sequence, 'SequenceEditor.getEditor'); seqOf(id); return editorWrapper(id); },
    }),
    // TrackItemSelection (classes/trackitemselection.md): the selection is valid only while the
    // callback runs; createEmptySelection returns true.
    TrackItemSelection: strict('TrackItemSelection.static', {
      createEmptySelection(callback) {
        if (typeof callback !== 'function') throw new TypeError('premierepro: TrackItemSelection.createEmptySelection takes a callback (selection) => void');
        const st = { ids: [], valid: true };
        try { callback(selectionWrapper(st)); } finally { st.valid = false; }
        return true;
      },
    }),
    // Markers (classes/markers.md): of a Sequence or a ClipProjectItem (cast first).
    Markers: strict('Markers.static', {
      async getMarkers(markerOwnerObject) {
        const m = argOf(markerOwnerObject, ['Sequence', 'ClipProjectItem'], 'Markers.getMarkers');
        if (m.cls === 'Sequence') { seqOf(m.id); return markersWrapper('seq', m.id); }
        nodeOf(m.id);
        return markersWrapper('node', m.id);
      },
    }),
    // Marker types (values not documented: Premiere's marker type names).
    Marker: strict('Marker.static', { MARKER_TYPE_COMMENT: 'Comment', MARKER_TYPE_CHAPTER: 'Chapter', MARKER_TYPE_FLVCUEPOINT: 'FLVCuePoint', MARKER_TYPE_WEBLINK: 'WebLink' }),
    // TickTime (classes/ticktime.md): TIME_MAX, TIME_MIN, TIME_INVALID not modelled; reading
    // TICKS_PER_SECOND gives undefined (there is none).
    TickTime: strict('TickTime.static', {
      createWithSeconds(seconds) { return tickTime(argNumber(seconds, 'TickTime.createWithSeconds') * TICKS); },
      createWithTicks(ticks) {
        if (typeof ticks !== 'string' || !/^-?\d+$/.test(ticks)) throw new TypeError(`premierepro: TickTime.createWithTicks takes ticks as a string of digits, got ${typeof ticks === 'string' ? JSON.stringify(ticks) : typeof ticks}`);
        return tickTime(Number(ticks));
      },
      createWithFrameAndFrameRate(frameCount, fr) {
        return tickTime(argNumber(frameCount, 'TickTime.createWithFrameAndFrameRate(frameCount)') * argTpf(fr, 'TickTime.createWithFrameAndFrameRate(…, frameRate)'));
      },
      get TIME_ZERO() { return tickTime(0); },
      get TIME_ONE_SECOND() { return tickTime(TICKS); },
      get TIME_ONE_MINUTE() { return tickTime(60 * TICKS); },
      get TIME_ONE_HOUR() { return tickTime(3600 * TICKS); },
    }, { quiet: ['TICKS_PER_SECOND'] }),
    // FrameRate, Guid (classes/framerate.md, guid.md).
    FrameRate: strict('FrameRate.static', {
      createWithValue(value) {
        if (argNumber(value, 'FrameRate.createWithValue') <= 0) throw new RangeError('premierepro fake: a frame rate must be positive');
        return frameRate(Math.round(TICKS / value));
      },
    }),
    Guid: strict('Guid.static', { fromString(s) { return guidOf(argString(s, 'Guid.fromString')); } }),
    // ProjectItem.cast: any project item as a ProjectItem; ClipProjectItem.cast / FolderItem.cast:
    // null when the item is not of that kind (the reference does not say what happens).
    ProjectItem: strict('ProjectItem.static', { cast(item) { return projectItemWrapper(argNode(item, 'ProjectItem.cast')); }, ...ITEM_TYPE }),
    ClipProjectItem: strict('ClipProjectItem.static', {
      cast(item) { const id = argNode(item, 'ClipProjectItem.cast'); return nodeOf(id).kind === 'clip' ? clipItemWrapper(id) : null; },
    }),
    FolderItem: strict('FolderItem.static', {
      cast(item) { const id = argNode(item, 'FolderItem.cast'); return nodeOf(id).kind !== 'clip' ? folderWrapper(id) : null; },
    }),
    // TransitionFactory (classes/transitionfactory.md): createVideoTransition is synchronous;
    // an unknown match name throws.
    TransitionFactory: strict('TransitionFactory.static', {
      createVideoTransition(matchName) {
        argString(matchName, 'TransitionFactory.createVideoTransition');
        if (!opts.transitionMatchNames.includes(matchName)) fail(`TransitionFactory.createVideoTransition: no video transition "${matchName}"`);
        return strict('VideoTransition', {}, { meta: { matchName } });
      },
      async getVideoTransitionMatchNames() { return [...opts.transitionMatchNames]; },
    }),
    // VideoTransition, track item and track statics (types.d.ts).
    VideoTransition: strict('VideoTransition.static', { TRANSITIONPOSITION_START: Constants.TransitionPosition.START, TRANSITIONPOSITION_END: Constants.TransitionPosition.END }),
    VideoClipTrackItem: strict('VideoClipTrackItem.static', { ...trackItemStatics }),
    AudioClipTrackItem: strict('AudioClipTrackItem.static', { ...trackItemStatics }),
    VideoTrack: strict('VideoTrack.static', {}),
    AudioTrack: strict('AudioTrack.static', {}),
  };
  const moduleImpl = {};
  for (const name of available('premierepro')) moduleImpl[name] = name in modelled ? modelled[name] : unmodelledClass(name);
  const ppro = strict('premierepro', moduleImpl);

  /* ---------------------------------------------------------------- the test's side */

  S.w.rootId = newNode({ kind: 'root', name: 'Root' }, null).id;
  const seqIdOf = (seq, what) => {
    if (typeof seq === 'string') {
      const id = S.w.seqOrder.find((x) => S.w.seqs[x].guid === seq || S.w.seqs[x].name === seq);
      return id || fail(`${what}: no sequence "${seq}"`);
    }
    return argSeq(seq, what);
  };
  const state = {
    TICKS,
    version: opts.version,
    // A sequence from the CEP fake's description format (see `build`); returns the Sequence. Not
    // made active (as the CEP fake's _buildSequence).
    buildSequence(desc) { return sequenceWrapper(build(desc).id); },
    setActive(seq) { S.w.activeSeqId = seqOf(seqIdOf(seq, 'state.setActive')).id; },
    describe(seq) { return describe(seqOf(seqIdOf(seq, 'state.describe'))); },
    // A media clip in the root bin: {frames, fps, video, audio, name, inFrame, outFrame} (frames
    // at `fps`); returns its ProjectItem.
    addMedia(mediaPath, o = {}) { return projectItemWrapper(addMediaNode(mediaPath, o).id); },
    imported: S.imported, // paths importFiles took
    transactions: S.transactions, // undo strings of the committed transactions
    failures: S.failures, // {undoString, action, error} of each rolled-back transaction; {import, error}
    undocumented: S.undocumented, // "Class.member" read though undocumented
    get project() { return projectWrapper(); },
    get locked() { return S.lock.depth > 0; },
  };
  return { ppro, state };
}

// An FCP7 XML file read by the CEP fake's importer (../../test/fake-premiere.js): a throwaway CEP
// app imports it and its new sequence is described (plus `disabled`, which `_describe` leaves
// out). The CEP importer keeps no <transitionitem>s (it only uses them to place the clips' edges),
// so an imported sequence has no transitions here.
function readXmeml(file) {
  const app = cepFake.createPremiere();
  app.project.importFiles([file]);
  const seqs = app.project.sequences;
  const seq = seqs[seqs.numSequences - 1];
  const desc = app._describe(seq);
  seq._v.forEach((t, i) => t._items.forEach((it, j) => { if (it.disabled) desc.video[i][j].disabled = true; }));
  seq._a.forEach((t, i) => t._items.forEach((it, j) => { if (it.disabled) desc.audio[i][j].disabled = true; }));
  return desc;
}

module.exports = { createPremierePro, TICKS };

/* -------------------------------------------------------------------- self-test: node fake-premierepro.js */

if (require.main === module) {
  const assert = require('node:assert');
  (async () => {
    const F = TICKS / 25;
    const DESC = {
      name: 'Edit', tpf: F, zero: 0,
      video: [[
        { name: 'a', path: '/m/a.mov', start: 0, end: 50, in: 10, speed: 1 },
        { name: 'b', path: '/m/b.mov', start: 50, end: 75, in: 0, speed: 1 },
        { name: 'c', path: '/m/c.mov', start: 75, end: 100, in: 5, speed: 2 },
      ]],
      audio: [[
        { name: 'a', path: '/m/a.mov', start: 0, end: 50, in: 10, speed: 1 },
        { name: 'b', path: '/m/b.mov', start: 50, end: 75, in: 0, speed: 1 },
      ]],
      markers: [{ start: 5, end: 5, name: 'NG', comments: 'false start', color: 1 }],
    };
    const { ppro, state } = createPremierePro();
    const { Constants, TickTime, SequenceEditor, TrackItemSelection, Markers } = ppro;
    const tt = (frames) => TickTime.createWithTicks(String(Math.round(frames * F)));
    const rows = (clips) => clips.map((c) => [c.name, c.start, c.end, c.in]);
    const seq = state.buildSequence(DESC);
    state.setActive(seq);
    const project = await ppro.Project.getActiveProject();
    assert.strictEqual(await project.getActiveSequence(), seq);
    {
      const { transitions, ...rest } = state.describe(seq);
      assert.deepStrictEqual(rest, DESC, 'buildSequence → describe round trip');
      assert.deepStrictEqual(transitions, [[]]);
    }
    assert.strictEqual(await seq.getTimebase(), String(F));
    assert.strictEqual((await seq.getSettings()).getVideoFrameRate().value, 25);
    const v1 = await seq.getVideoTrack(0);
    const a1 = await seq.getAudioTrack(0);
    const [, vb, vc] = v1.getTrackItems(Constants.TrackItemType.CLIP, false);
    assert.strictEqual((await vc.getOutPoint()).ticks, String((5 + 25 * 2) * F), 'speed 2: 25 frames show 50 of source');
    assert.strictEqual(await vc.getSpeed(), 2);
    const pi = ppro.ClipProjectItem.cast(await vb.getProjectItem());
    assert.strictEqual(await pi.getMediaFilePath(), '/m/b.mov');

    // Undocumented members fail; TickTime has no TICKS_PER_SECOND.
    assert.throws(() => vb.createSetSpeedAction, /premierepro: VideoClipTrackItem\.createSetSpeedAction is not a documented member/);
    assert.throws(() => vb.razor(), TypeError);
    assert.strictEqual('createSetSpeedAction' in vb, false);
    assert.strictEqual(TickTime.TICKS_PER_SECOND, undefined);
    await assert.rejects(async () => (await vb.getProjectItem()).getMediaFilePath(), /ProjectItem\.getMediaFilePath is not a documented member/, 'cast first');
    assert.throws(() => v1.getTrackItems(Constants.TrackItemType.CLIP), TypeError, 'includeEmptyTrackItems is required');

    // Locking: outside a lock, stale, async.
    assert.throws(() => vb.createSetDisabledAction(true), /Requires locked access/);
    let stale;
    project.lockedAccess(() => { stale = vb.createSetDisabledAction(true); });
    assert.throws(() => project.lockedAccess(() => project.executeTransaction((ca) => ca.addAction(stale), 'stale')), /stale Action/);
    assert.throws(() => project.lockedAccess(async () => {}), /synchronous/);
    assert.throws(() => project.lockedAccess(() => Promise.resolve()), /synchronous/);
    assert.throws(() => project.lockedAccess(() => project.executeTransaction(async () => {}, 'x')), /synchronous/);
    assert.throws(() => project.executeTransaction(() => {}, 'x'), /Requires locked access/);
    assert.strictEqual(await vb.isDisabled(), false);
    assert.deepStrictEqual(state.transactions, []);
    const commit = (undo, make) => {
      let ok;
      project.lockedAccess(() => { ok = project.executeTransaction((ca) => { for (const a of make()) ca.addAction(a); }, undo); });
      return ok;
    };

    // All or nothing: the rename is not kept when the move (onto clip a) is refused.
    assert.strictEqual(commit('fails', () => [vb.createSetNameAction('renamed'), vb.createMoveAction(tt(-10))]), false);
    assert.strictEqual(await vb.getName(), 'b');
    assert.strictEqual(state.failures.length, 1);

    // Ripple delete of b on V1 and A1: c moves left on V1.
    const editor = SequenceEditor.getEditor(seq);
    const ab = a1.getTrackItems(Constants.TrackItemType.CLIP, false)[1];
    let kept;
    assert.strictEqual(commit('ripple delete b', () => {
      let action;
      TrackItemSelection.createEmptySelection((sel) => {
        kept = sel;
        assert.strictEqual(sel.addItem(vb), true);
        assert.strictEqual(sel.addItem(vb), false, 'a duplicate');
        sel.addItem(ab);
        action = editor.createRemoveItemsAction(sel, true, Constants.MediaType.ANY);
      });
      return [action];
    }), true);
    assert.throws(() => kept.addItem(vc), /no longer valid/);
    let d = state.describe(seq);
    assert.deepStrictEqual(rows(d.video[0]), [['a', 0, 50, 10], ['c', 50, 75, 5]]);
    assert.deepStrictEqual(rows(d.audio[0]), [['a', 0, 50, 10]]);
    await assert.rejects(vb.getName(), /no longer exists/);

    // Overwrite with the project item's marked in/out (20..40) at 40 on V1/A1.
    const media = state.addMedia('/m/d.mov', { frames: 200 });
    const dClip = ppro.ClipProjectItem.cast(media);
    assert.strictEqual(commit('overwrite d', () => [
      dClip.createSetInOutPointsAction(tt(20), tt(40)),
      editor.createOverwriteItemAction(media, tt(40), 0, 0),
    ]), true);
    d = state.describe(seq);
    assert.deepStrictEqual(rows(d.video[0]), [['a', 0, 40, 10], ['d.mov', 40, 60, 20], ['c', 60, 75, 25]], 'c (speed 2) loses 10 frames: 20 of source');
    assert.deepStrictEqual(rows(d.audio[0]), [['a', 0, 40, 10], ['d.mov', 40, 60, 20]]);
    assert.strictEqual((await dClip.getInPoint(Constants.MediaType.VIDEO)).ticks, String(20 * F));

    // Insert (no marks: the whole media) with limitShift false: every track shifts, cut at 10.
    const e = state.addMedia('/m/e.wav', { frames: 5 });
    assert.strictEqual(commit('insert e', () => [editor.createInsertProjectItemAction(e, tt(10), 0, 1, false)]), true);
    d = state.describe(seq);
    assert.deepStrictEqual(rows(d.video[0]), [['a', 0, 10, 10], ['a', 15, 45, 20], ['d.mov', 45, 65, 20], ['c', 65, 80, 25]]);
    assert.deepStrictEqual(rows(d.audio[1]), [['e.wav', 10, 15, 0]], 'a track index past the last makes a track');

    // Markers: add (green), colour in a second step.
    const markers = await Markers.getMarkers(seq);
    assert.strictEqual(commit('add marker', () => [markers.createAddMarkerAction('Chapter 1', ppro.Marker.MARKER_TYPE_COMMENT, tt(30), tt(5), 'note')]), true);
    const added = markers.getMarkers().find((m) => m.getName() === 'Chapter 1');
    assert.strictEqual(added.getColorIndex(), Constants.MarkerColor.GREEN);
    assert.throws(() => added.createSetColorIndexAction, /not a documented member/);
    assert.strictEqual(commit('colour marker', () => [added.createSetColorByIndexAction(Constants.MarkerColor.BLUE)]), true);
    assert.deepStrictEqual(state.describe(seq).markers, [
      { start: 5, end: 5, name: 'NG', comments: 'false start', color: 1 },
      { start: 30, end: 35, name: 'Chapter 1', comments: 'note', color: 6 },
    ]);

    // A dissolve across the cut at 45 (on d's start), 10 frames.
    const vd = v1.getTrackItems(Constants.TrackItemType.CLIP, false)[2];
    const options = new ppro.AddTransitionOptions().setApplyToStart(true).setDuration(tt(10));
    const dissolve = ppro.TransitionFactory.createVideoTransition('AE.ADBE Cross Dissolve New');
    assert.strictEqual(commit('dissolve', () => [vd.createAddVideoTransitionAction(dissolve, options)]), true);
    assert.deepStrictEqual(state.describe(seq).transitions, [[{ at: 45, duration: 10 }]]);
    const [tr] = v1.getTrackItems(Constants.TrackItemType.TRANSITION, false);
    assert.strictEqual((await tr.getStartTime()).ticks, String(40 * F));
    assert.strictEqual(await tr.getType(), Constants.TrackItemType.TRANSITION);

    // Clone: "<name> Copy", the same content.
    const before = state.describe(seq);
    const guids = new Set((await project.getSequences()).map((s) => String(s.guid)));
    assert.strictEqual(commit('back up', () => [seq.createCloneAction()]), true);
    const copy = (await project.getSequences()).find((s) => !guids.has(String(s.guid)));
    assert.strictEqual(copy.name, 'Edit Copy');
    assert.deepStrictEqual({ ...state.describe(copy), name: 'Edit' }, before);
    assert.strictEqual(project.getSequence(copy.guid), copy);

    // importFiles of a tiny FCP7 XML: a new sequence (in a bin named after the file).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-ppro-'));
    const xml = path.join(dir, 'tiny.xml');
    fs.writeFileSync(xml, `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE xmeml>
<xmeml version="4"><sequence><name>Imported</name><rate><timebase>25</timebase><ntsc>FALSE</ntsc></rate>
<marker><name>M1</name><comment>hi</comment><in>10</in><out>-1</out></marker>
<media><video><track>
<clipitem id="c1"><name>a</name><start>0</start><end>50</end><in>10</in><out>60</out><file id="f1"><pathurl>file://localhost/m/a.mov</pathurl></file></clipitem>
<clipitem id="c2"><name>b</name><enabled>FALSE</enabled><start>50</start><end>75</end><in>0</in><out>50</out>
<file id="f2"><pathurl>file://localhost/m/b.mov</pathurl></file>
<filter><effect><effectid>timeremap</effectid><parameter><parameterid>speed</parameterid><value>200</value></parameter></effect></filter></clipitem>
</track></video><audio><track>
<clipitem id="c3"><name>a</name><start>0</start><end>50</end><in>10</in><out>60</out><file id="f1"><pathurl>file://localhost/m/a.mov</pathurl></file></clipitem>
</track></audio></media></sequence></xmeml>
`);
    const known = new Set((await project.getSequences()).map((s) => String(s.guid)));
    assert.strictEqual(await project.importFiles([xml], true, await project.getInsertionBin(), false), true);
    assert.deepStrictEqual(state.imported, [xml]);
    const imported = (await project.getSequences()).find((s) => !known.has(String(s.guid)));
    assert.deepStrictEqual(state.describe(imported), {
      name: 'Imported', tpf: F, zero: 0,
      video: [[
        { name: 'a', path: '/m/a.mov', start: 0, end: 50, in: 10, speed: 1 },
        { name: 'b', path: '/m/b.mov', start: 50, end: 75, in: 0, speed: 2, disabled: true },
      ]],
      audio: [[{ name: 'a', path: '/m/a.mov', start: 0, end: 50, in: 10, speed: 1 }]],
      markers: [{ start: 10, end: 10, name: 'M1', comments: 'hi', color: 0 }],
      transitions: [[]],
    });
    const root = await project.getRootItem();
    const bin = (await root.getItems()).find((x) => x.name === 'tiny.xml');
    assert.strictEqual(bin.type, ppro.ProjectItem.TYPE_BIN);
    assert.strictEqual((await ppro.FolderItem.cast(bin).getItems()).length, 3, 'the sequence and two media clips');
    assert.strictEqual(await project.importFiles([path.join(dir, 'missing.xml')]), false);
    fs.rmSync(dir, { recursive: true, force: true });

    // Versions: before 26.5 the item in/out setters error and MAGENTA is absent; before 26.2
    // closeSequence is not there.
    {
      const old = createPremierePro({ version: '26.3' });
      const m = old.ppro.ClipProjectItem.cast(old.state.addMedia('/m/x.mov'));
      const p = await old.ppro.Project.getActiveProject();
      assert.throws(() => p.lockedAccess(() => m.createSetInOutPointsAction(old.ppro.TickTime.TIME_ZERO, old.ppro.TickTime.TIME_ONE_SECOND)), /before 26\.5/);
      assert.strictEqual(old.ppro.Constants.MarkerColor.MAGENTA, undefined);
      assert.strictEqual(old.ppro.Constants.MarkerColor.MAGNETA, 2);
      const older = createPremierePro({ version: '25.6' });
      const p2 = await older.ppro.Project.getActiveProject();
      assert.throws(() => p2.closeSequence, /since 26\.2/);
    }
    assert.deepStrictEqual(state.undocumented.filter((x) => !/createSetSpeedAction|razor|createSetColorIndexAction|ProjectItem\.getMediaFilePath/.test(x)), []);
    console.log('fake-premierepro: self-test passed');
  })().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
