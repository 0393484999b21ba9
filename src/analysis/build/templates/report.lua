-- Pandoc Lua filter for notebook reports (pandoc -f ipynb --ipynb-output=all -t typst),
-- used by analysis.build.export.to_pdf.
--  * drops the cells tagged with the metadata field `drop-cell-tag` (papermill's injected
--    parameters; cell tags reach pandoc as the Div attribute `tags`, a JSON list);
--  * drops code inputs when the metadata field `include-code` is false;
--  * picks one representation per output: a text/html table (a DataFrame) is re-read as a
--    real table instead of its text/plain repr; images, markdown and readable HTML beat
--    text/plain; otherwise the text/plain (or stream) text is kept. Raw HTML/LaTeX never
--    reaches Typst;
--  * fails on any image that would be fetched from another host (also inside HTML outputs);
--  * sets every table for print: columns empty in every body row dropped, a column whose
--    cells are all numbers right-aligned (the rest left), and a break opportunity after
--    '_', '/', ';' and '.' inside long tokens (identifiers, id lists), so no cell overflows.

local function cell_tags(div)
  local raw = div.attributes["tags"]
  if raw == nil or raw == "" then
    return {}
  end
  local ok, tags = pcall(pandoc.json.decode, raw)
  if ok and type(tags) == "table" then
    return tags
  end
  return {}
end

local function has_tag(div, wanted)
  for _, tag in ipairs(cell_tags(div)) do
    if tag == wanted then
      return true
    end
  end
  return false
end

local function has_text_or_media(blocks)
  local found = false
  pandoc.Blocks(blocks):walk({
    Table = function() found = true end,
    Image = function() found = true end,
  })
  return found or pandoc.utils.stringify(pandoc.Blocks(blocks)):match("%S") ~= nil
end

-- ------------------------------------------------------------------ tables for print

local NUMBER = "^[%s]*[%-−+]?[%d.,%s\u{202F}\u{A0}]*%d[%d.,]*[%%]?[%s]*$"
local LONG_TOKEN = 10 -- characters: longer runs get break opportunities
local SHORT_COLUMN = 8 -- characters: a column this narrow is sized by Typst to its content
local TEXT_WIDTH_PT = 481 -- the text block (A4 less 2 cm margins)
local CHAR_PT, INSET_PT = 4.8, 8 -- a character at table size, a cell's two insets
local ZWSP = "\u{200B}"

local function cell_text(cell)
  return pandoc.utils.stringify(cell.contents)
end

local function body_rows(tbl)
  local rows = pandoc.List()
  for _, body in ipairs(tbl.bodies) do
    rows:extend(body.body)
  end
  return rows
end

local function breakable(str)
  if utf8.len(str.text) == nil or utf8.len(str.text) < LONG_TOKEN then
    return str
  end
  str.text = str.text:gsub("([_/;%.])", "%1" .. ZWSP)
  return str
end

-- The items of a column-ordered list whose column is kept.
local function kept(items, keep)
  local out = pandoc.List()
  for i, item in ipairs(items) do
    if keep[i] then
      out:insert(item)
    end
  end
  return out
end

local function drop_columns(tbl, keep)
  local function filter_row(row)
    row.cells = kept(row.cells, keep)
  end
  tbl.colspecs = kept(tbl.colspecs, keep)
  for _, row in ipairs(tbl.head.rows) do filter_row(row) end
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do filter_row(row) end
  end
  for _, row in ipairs(tbl.foot.rows) do filter_row(row) end
end

-- The longest word of a text (in characters): a column is never narrower than it.
local function longest_word(text)
  local best = 0
  for word in text:gmatch("%S+") do
    best = math.max(best, utf8.len(word) or #word)
  end
  return best
end

local function print_table(tbl)
  local rows = body_rows(tbl)
  local n = #tbl.colspecs
  local keep, numeric, need = {}, {}, {}
  for i = 1, n do
    keep[i], numeric[i], need[i] = false, true, 3
  end
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row.cells) do
      local text = cell_text(cell)
      if text:match("%S") then
        keep[i] = true
        if not text:match(NUMBER) then
          numeric[i] = false
        end
        -- room a column asks for: its longest cell, capped so prose wraps
        need[i] = math.max(need[i], math.min(utf8.len(text) or #text, 40),
                           math.min(longest_word(text), 24))
      end
    end
  end
  for _, row in ipairs(tbl.head.rows) do
    for i, cell in ipairs(row.cells) do
      need[i] = math.max(need[i], math.min(longest_word(cell_text(cell)), 14))
    end
  end
  -- Numbers and short columns are sized by Typst to their content (`auto`); the text
  -- columns share what is left of the text block in proportion to what each holds.
  local fixed, total = {}, 0
  local left = 0.97
  for i = 1, n do
    fixed[i] = numeric[i] or need[i] <= SHORT_COLUMN
    if keep[i] or #rows == 0 then
      if fixed[i] then
        left = left - (need[i] * CHAR_PT + INSET_PT) / TEXT_WIDTH_PT
      else
        total = total + need[i]
      end
    end
  end
  left = math.max(left, 0.3)
  for i = 1, n do
    local spec = tbl.colspecs[i]
    spec[1] = (keep[i] and numeric[i]) and pandoc.AlignRight or pandoc.AlignLeft
    spec[2] = (not fixed[i] and total > 0) and left * need[i] / total or nil
  end
  if #rows > 0 then
    drop_columns(tbl, keep)
  end
  return tbl:walk({ Str = breakable })
end

-- Tables only, when the HTML holds any (a DataFrame: its <style> and wrapper <div> go).
local function read_html(raw_html)
  local blocks = pandoc.read(raw_html, "html").blocks
  local tables = pandoc.List()
  blocks:walk({
    Table = function(t)
      tables:insert(t)
    end,
  })
  if #tables > 0 then
    return tables
  end
  return blocks
end

-- One output (Div.output): with --ipynb-output=all its blocks are the mime bundle in key
-- order (image/*, text/html, text/latex, text/markdown, text/plain). Preference: images,
-- then markdown, then HTML re-read by pandoc (tables become real tables), then text/plain.
-- HTML that reads as nothing (a script, a widget) falls back to text/plain.
local function best_output(div)
  local media, markdown, html, plain = pandoc.List(), pandoc.List(), pandoc.List(), pandoc.List()
  for _, block in ipairs(div.content) do
    if block.t == "RawBlock" then
      if block.format == "markdown" then
        markdown:extend(pandoc.read(block.text, "markdown").blocks)
      elseif block.format == "html" then
        html:extend(read_html(block.text))
      end
    elseif block.t == "CodeBlock" then
      plain:insert(block)
    else
      media:insert(block)
    end
  end
  for _, choice in ipairs({ media, markdown, html }) do
    if #choice > 0 and has_text_or_media(choice) then
      div.content = choice
      return div
    end
  end
  div.content = plain
  return div
end

local function filter_cell(div, include_code, drop_tag)
  if drop_tag ~= nil and has_tag(div, drop_tag) then
    return {}
  end
  if not div.classes:includes("code") then
    return div
  end
  local kept = pandoc.List()
  for _, block in ipairs(div.content) do
    if block.t == "Div" and block.classes:includes("output") then
      kept:insert(best_output(block))
    elseif block.t == "CodeBlock" then
      if include_code then
        kept:insert(block)
      end
    else
      kept:insert(block)
    end
  end
  div.content = kept
  return div
end

function Pandoc(doc)
  local include_code = true
  local flag = doc.meta["include-code"]
  if flag ~= nil then
    if type(flag) == "boolean" then
      include_code = flag
    else
      include_code = pandoc.utils.stringify(flag) ~= "false"
    end
  end
  local drop_tag = doc.meta["drop-cell-tag"]
  if drop_tag ~= nil then
    drop_tag = pandoc.utils.stringify(drop_tag)
  end
  local blocks = pandoc.List()
  for _, block in ipairs(doc.blocks) do
    if block.t == "Div" and block.classes:includes("cell") then
      local result = filter_cell(block, include_code, drop_tag)
      if result.t == "Div" then
        blocks:insert(result)
      end
    else
      blocks:insert(block)
    end
  end
  doc.blocks = pandoc.Blocks(blocks):walk({ Table = print_table })
  -- A report is self-contained: never let pandoc fetch an image from another host.
  doc.blocks:walk({
    Image = function(img)
      if img.src:match("^%a[%w+.-]*://") or img.src:match("^//") then
        error("image loaded from another host: " .. img.src)
      end
    end,
  })
  return doc
end
