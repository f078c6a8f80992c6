--[[
CutBridge (Lua) for DaVinci Resolve: Workspace > Scripts > Utility > CutBridge_Lua.

The entry point for the free edition, which from 21.1 runs only Lua scripts from the menu (and
has had no UIManager windows since 19.1). It:

  1. exports the current timeline as OTIO (Timeline:Export(path, resolve.EXPORT_OTIO)) and the
     subtitle track as SRT;
  2. runs `bridge-daemon ask --timeline FILE [--subtitles SRT] --output OUT "TEXT"`, which uses
     the running daemon or falls back to the offline pipeline (exit 0 changed, 2 nothing to
     change, 1 bad input);
  3. imports OUT as a new version "<timeline> — CutBridge N" and makes it current. The original
     timeline is never modified: it is the backup. If the import fails, the original stays
     current and the message says so.

Where the instruction comes from, first found: the CUTBRIDGE_INSTRUCTION environment variable;
a Fusion AskUser dialog (when a composition is open); the file instruction.txt in the CutBridge
config folder (~/.config/cutbridge, ~/Library/Application Support/cutbridge,
%APPDATA%\cutbridge). The daemon binary: CUTBRIDGE_DAEMON below (install.py sets it), else the
CUTBRIDGE_DAEMON environment variable, else `bridge-daemon` on the PATH.

Quirk (R2): Resolve's OTIO export drops timeline markers, so this script cannot target or keep
them; the Python script (Studio) snapshots them through the API.
]]

local CUTBRIDGE_DAEMON = nil -- set by install.py: the bridge-daemon binary

local M = {}

local function windows()
  return package.config:sub(1, 1) == "\\"
end

function M.quote(s)
  if windows() then
    return '"' .. (s:gsub('"', '\\"')) .. '"'
  end
  return "'" .. (s:gsub("'", "'\\''")) .. "'"
end

function M.exit_code(a, b, c)
  -- Lua 5.1 returns system()'s status (POSIX: code * 256); LuaJIT/5.2 return ok, "exit", code.
  if type(a) == "number" then
    if a > 255 then
      return math.floor(a / 256)
    end
    return a
  end
  if type(c) == "number" then
    return c
  end
  return a and 0 or 1
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local text = f:read("*a")
  f:close()
  return text
end

local function write_file(path, text)
  local f, err = io.open(path, "wb")
  if not f then
    return nil, err
  end
  f:write(text)
  f:close()
  return true
end

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function last_line(text)
  local line = nil
  for l in (text or ""):gmatch("[^\r\n]+") do
    if trim(l) ~= "" then
      line = trim(l)
    end
  end
  return line or ""
end

local function temp_dir()
  return os.getenv("TMPDIR") or os.getenv("TEMP") or os.getenv("TMP") or "/tmp"
end

local function join(dir, name)
  local sep = windows() and "\\" or "/"
  if dir:sub(-1) == "/" or dir:sub(-1) == "\\" then
    return dir .. name
  end
  return dir .. sep .. name
end

local function config_dirs()
  local dirs = {}
  if os.getenv("APPDATA") then
    table.insert(dirs, join(os.getenv("APPDATA"), "cutbridge"))
  end
  local home = os.getenv("HOME")
  if home then
    table.insert(dirs, join(os.getenv("XDG_CONFIG_HOME") or join(home, ".config"), "cutbridge"))
    table.insert(dirs, join(home, "Library/Application Support/cutbridge"))
  end
  return dirs
end

-- The instruction: the environment, a Fusion dialog, or instruction.txt.
function M.instruction()
  local text = os.getenv("CUTBRIDGE_INSTRUCTION")
  if text and trim(text) ~= "" then
    return trim(text)
  end
  local comp = nil
  if fusion then
    local ok, c = pcall(function() return fusion:GetCurrentComp() end)
    if ok then
      comp = c
    end
  end
  if comp then
    local ok, answer = pcall(function()
      return comp:AskUser("CutBridge", {
        {"Instruction", "Text", Name = "What should change?", Lines = 3, Default = ""},
      })
    end)
    if ok and type(answer) == "table" and answer.Instruction and trim(answer.Instruction) ~= "" then
      return trim(answer.Instruction)
    end
  end
  for _, dir in ipairs(config_dirs()) do
    local saved = read_file(join(dir, "instruction.txt"))
    if saved and trim(saved) ~= "" then
      return trim(saved)
    end
  end
  return nil
end

function M.daemon()
  return CUTBRIDGE_DAEMON or os.getenv("CUTBRIDGE_DAEMON") or "bridge-daemon"
end

local function fps_of(project, timeline)
  local setting = nil
  pcall(function() setting = timeline:GetSetting("timelineFrameRate") end)
  if not setting or setting == "" then
    setting = project:GetSetting("timelineFrameRate")
  end
  local n = tonumber((tostring(setting or ""):match("[%d%.]+")))
  return n or 25
end

local function srt_time(frames, fps)
  local ms = math.floor(frames * 1000 / fps + 0.5)
  return string.format("%02d:%02d:%02d,%03d", math.floor(ms / 3600000),
    math.floor(ms / 60000) % 60, math.floor(ms / 1000) % 60, ms % 1000)
end

-- The first subtitle track with lines, as SRT text (UNCONFIRMED: an item's text is GetName()).
function M.subtitles_srt(timeline, fps)
  local count = timeline:GetTrackCount("subtitle") or 0
  local base = timeline:GetStartFrame()
  for index = 1, count do
    local items = timeline:GetItemListInTrack("subtitle", index) or {}
    local blocks = {}
    for _, item in ipairs(items) do
      local start = item:GetStart() - base
      local text = trim((item:GetName() or ""):gsub("[\r\n]+", " "))
      if text ~= "" then
        table.insert(blocks, string.format("%d\n%s --> %s\n%s\n", #blocks + 1,
          srt_time(start, fps), srt_time(start + item:GetDuration(), fps), text))
      end
    end
    if #blocks > 0 then
      return table.concat(blocks, "\n")
    end
  end
  return nil
end

-- "<base> — CutBridge N", N one past every version of that base (ImportTimelineFromFile returns
-- nil for a name that exists).
function M.next_version_name(project, name)
  local pattern = "^(.*) — CutBridge (%d+)$"
  local base = name:match(pattern) or name
  local names, n = {}, 0
  for i = 1, project:GetTimelineCount() do
    local tl = project:GetTimelineByIndex(i)
    if tl then
      local other = tl:GetName()
      names[other] = true
      local b, k = other:match(pattern)
      if b == base and tonumber(k) > n then
        n = tonumber(k)
      end
    end
  end
  repeat
    n = n + 1
  until not names[base .. " — CutBridge " .. n]
  return base .. " — CutBridge " .. n
end

local function cleanup(paths)
  for _, p in ipairs(paths) do
    os.remove(p)
  end
end

function M.run(resolve_app, text)
  local r = resolve_app
  if not r then
    return {status = "error", message = "no Resolve object: run this from Workspace > Scripts"}
  end
  local project = r:GetProjectManager():GetCurrentProject()
  if not project then
    return {status = "error", message = "no project is open"}
  end
  local original = project:GetCurrentTimeline()
  if not original then
    return {status = "error", message = "the project has no current timeline"}
  end
  text = text or M.instruction()
  if not text then
    return {status = "error", message = "no instruction: set CUTBRIDGE_INSTRUCTION or write it "
      .. "into instruction.txt in the CutBridge config folder"}
  end
  local stem = join(temp_dir(), string.format("cutbridge-%d-%d", os.time(), math.random(1, 1e6)))
  local timeline_path, out_path = stem .. ".otio", stem .. "-edited.otio"
  local srt_path, stdout_path, stderr_path = stem .. ".srt", stem .. ".json", stem .. ".err"
  local temps = {timeline_path, out_path, srt_path, stdout_path, stderr_path}
  if not original:Export(timeline_path, r.EXPORT_OTIO) then
    cleanup(temps)
    return {status = "error", message = "Resolve could not export the timeline as OTIO"}
  end
  local cmd = M.quote(M.daemon()) .. " ask --timeline " .. M.quote(timeline_path)
  local srt = M.subtitles_srt(original, fps_of(project, original))
  if srt and write_file(srt_path, srt) then
    cmd = cmd .. " --subtitles " .. M.quote(srt_path)
  end
  if os.getenv("CUTBRIDGE_URL") then
    cmd = cmd .. " --url " .. M.quote(os.getenv("CUTBRIDGE_URL"))
  end
  if os.getenv("CUTBRIDGE_TOKEN_FILE") then
    cmd = cmd .. " --token-file " .. M.quote(os.getenv("CUTBRIDGE_TOKEN_FILE"))
  end
  cmd = cmd .. " --output " .. M.quote(out_path) .. " " .. M.quote(text)
    .. " > " .. M.quote(stdout_path) .. " 2> " .. M.quote(stderr_path)
  if windows() then
    cmd = '"' .. cmd .. '"' -- cmd.exe /c strips one pair of outer quotes
  end
  local code = M.exit_code(os.execute(cmd))
  local why = last_line(read_file(stderr_path)):gsub("^bridge%-daemon: ", "")
  if code == 2 then
    cleanup(temps)
    return {status = "nothing", message = "nothing to change: " .. why}
  elseif code ~= 0 then
    cleanup(temps)
    local what = code == 1 and "bad input" or ("bridge-daemon failed (exit " .. code .. ")")
    return {status = "error", message = what .. ": " .. why}
  end
  local name = M.next_version_name(project, original:GetName())
  local new = project:GetMediaPool():ImportTimelineFromFile(out_path,
    {timelineName = name, importSourceClips = true})
  cleanup(temps)
  if not new then
    project:SetCurrentTimeline(original)
    return {status = "rolled_back", message = "Resolve could not import the edited timeline "
      .. "(ImportTimelineFromFile returned nil): nothing was changed, '"
      .. original:GetName() .. "' is current"}
  end
  if not project:SetCurrentTimeline(new) then
    project:SetCurrentTimeline(original)
    return {status = "rolled_back", message = "Resolve could not switch to '" .. name
      .. "': '" .. original:GetName() .. "' is current"}
  end
  return {status = "applied", version = name, message = "applied as '" .. name .. "'; '"
    .. original:GetName() .. "' is kept as the backup"}
end

local function main()
  math.randomseed(os.time())
  local app = resolve
  if not app and bmd and bmd.scriptapp then
    app = bmd.scriptapp("Resolve")
  end
  local ok, result = pcall(M.run, app)
  if not ok then
    result = {status = "error", message = tostring(result)}
  end
  print("CutBridge: " .. result.message)
  return result
end

CUTBRIDGE_LUA = M
if not CUTBRIDGE_LUA_NO_MAIN then
  CUTBRIDGE_RESULT = main()
end
return M
