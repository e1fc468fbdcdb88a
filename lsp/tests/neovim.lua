-- Neovim's built-in LSP client (0.7+) attached to stackc-lsp, headless.
-- Started by tests/neovim.rs as
--   STACKC_LSP=<binary> STACKC_OUT=<json> nvim --headless -u NONE -i NONE -n \
--     -c 'luafile tests/neovim.lua' FILE
-- Opens FILE, waits for the diagnostics stackc-lsp publishes, asks for
-- hover and definition at the first `secret.` reference, writes what it
-- received to STACKC_OUT as JSON and quits.
local out = os.getenv('STACKC_OUT')
local function finish(result)
  local f = io.open(out, 'w')
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qa!')
end

local buf = vim.api.nvim_get_current_buf()
local file = vim.api.nvim_buf_get_name(buf)
local client = vim.lsp.start_client({
  name = 'stackc',
  cmd = { os.getenv('STACKC_LSP') },
  root_dir = vim.fn.fnamemodify(file, ':h'),
})
if not client then
  finish({ error = 'stackc-lsp did not start' })
  return
end
vim.bo[buf].filetype = 'stack'
vim.lsp.buf_attach_client(buf, client)

local got = vim.wait(10000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(diagnostics, {
    line = d.lnum + 1,
    col = d.col + 1,
    code = d.code,
    message = d.message,
    severity = d.severity,
  })
end

-- The first `secret.` reference: hover and definition there.
local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
local pos
for i, l in ipairs(lines) do
  local c = l:find('secret%.')
  if c then pos = { line = i - 1, character = c - 1 + 7 } break end
end
local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = pos }
local c = vim.lsp.get_client_by_id(client)
local hover = c.request_sync('textDocument/hover', params, 5000, buf)
local definition = c.request_sync('textDocument/definition', params, 5000, buf)
finish({
  waited = got,
  diagnostics = diagnostics,
  hover = hover and hover.result or vim.NIL,
  definition = definition and definition.result or vim.NIL,
})
