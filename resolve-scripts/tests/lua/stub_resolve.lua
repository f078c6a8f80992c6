--[[
A stub `resolve` for running CutBridge_Lua.lua under a plain Lua interpreter:

    lua5.1 stub_resolve.lua SCRIPT

Environment:
  STUB_EXPORT       the OTIO file Timeline:Export "writes" (copied to the requested path)
  STUB_SUBTITLES    lines "start<TAB>duration<TAB>text" of the subtitle track (record frames)
  STUB_LOG          where every call that matters is logged, one tab-separated line each
  STUB_IMPORTED     where ImportTimelineFromFile copies the file it was given
  STUB_IMPORT_FAILS "1": ImportTimelineFromFile returns nil
  STUB_ASK          set: a `fusion` whose composition answers AskUser with this text
  STUB_SRT_ONLY     set: load the script without running it and print the SRT it would write
  STUB_EVAL         Lua code run (and its result printed) after loading the script, not running it

Prints the script's result as "status<TAB>message" on the last line.
]]

local log = assert(io.open(os.getenv("STUB_LOG"), "w"))
local function L(...)
  local parts = {}
  for i = 1, select("#", ...) do
    parts[i] = tostring((select(i, ...)))
  end
  log:write(table.concat(parts, "\t"), "\n")
  log:flush()
end

local function copy(from, to)
  local f = assert(io.open(from, "rb"))
  local data = f:read("*a")
  f:close()
  local g = assert(io.open(to, "wb"))
  g:write(data)
  g:close()
end

local START = 90000

local Item = {}
Item.__index = Item
function Item:GetStart() return self.start end
function Item:GetDuration() return self.duration end
function Item:GetName() return self.name end

local Timeline = {}
Timeline.__index = Timeline
local function new_timeline(name, subtitles)
  return setmetatable({name = name, subtitles = subtitles or {}}, Timeline)
end
function Timeline:GetName() return self.name end
function Timeline:GetStartFrame() return START end
function Timeline:GetSetting(key) if key == "timelineFrameRate" then return "25" end return "" end
function Timeline:GetTrackCount(kind)
  if kind == "subtitle" then return #self.subtitles > 0 and 1 or 0 end
  return 1
end
function Timeline:GetItemListInTrack(kind, index)
  if kind == "subtitle" then return self.subtitles end
  return {}
end
function Timeline:Export(path, kind)
  L("Export", kind)
  copy(os.getenv("STUB_EXPORT"), path)
  return true
end

local subtitles = {}
local subs_path = os.getenv("STUB_SUBTITLES")
if subs_path then
  for line in io.lines(subs_path) do
    local s, d, text = line:match("^(%d+)\t(%d+)\t(.*)$")
    if s then
      table.insert(subtitles, setmetatable({start = START + tonumber(s),
        duration = tonumber(d), name = text}, Item))
    end
  end
end

local original = new_timeline("Laojie", subtitles)
local project = {timelines = {original, new_timeline("Laojie — CutBridge 1")}, current = original}
function project:GetName() return "老街 Laojie" end
function project:GetCurrentTimeline() return self.current end
function project:GetTimelineCount() return #self.timelines end
function project:GetTimelineByIndex(i) return self.timelines[i] end
function project:GetSetting(key) if key == "timelineFrameRate" then return "25" end return "" end
function project:SetCurrentTimeline(tl)
  L("SetCurrentTimeline", tl:GetName())
  self.current = tl
  return true
end
local pool = {}
function pool:ImportTimelineFromFile(path, options)
  L("ImportTimelineFromFile", options.timelineName, tostring(options.importSourceClips))
  copy(path, os.getenv("STUB_IMPORTED"))
  if os.getenv("STUB_IMPORT_FAILS") == "1" then return nil end
  local tl = new_timeline(options.timelineName)
  table.insert(project.timelines, tl)
  return tl
end
function project:GetMediaPool() return pool end

local pm = {}
function pm:GetCurrentProject() return project end

resolve = {EXPORT_OTIO = 14}
function resolve:GetProjectManager() return pm end

if os.getenv("STUB_ASK") then
  local comp = {}
  function comp:AskUser(title, controls)
    L("AskUser", title, controls[1][1])
    return {Instruction = os.getenv("STUB_ASK")}
  end
  fusion = {}
  function fusion:GetCurrentComp() return comp end
end

if os.getenv("STUB_EVAL") then
  CUTBRIDGE_LUA_NO_MAIN = true
  dofile(arg[1])
  local f = assert(loadstring(os.getenv("STUB_EVAL")))
  print(f())
  return
end
if os.getenv("STUB_SRT_ONLY") then
  CUTBRIDGE_LUA_NO_MAIN = true
  dofile(arg[1])
  io.write(CUTBRIDGE_LUA.subtitles_srt(original, 25))
  return
end
dofile(arg[1])
local r = CUTBRIDGE_RESULT
L("current", project.current:GetName())
print(r.status .. "\t" .. r.message)
