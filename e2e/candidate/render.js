'use strict';
// A renderer for the subset of askama 0.16 that the candidate templates use, so that the
// browser tests load pages made from the real templates without compiling the server.
//
// Supported: `{# comments #}`, `{{ expr | filter }}` with HTML escaping as askama does it
// (`" & ' < >` as decimal entities), the filters `safe`, `json` (compact, `& ' < >` as \u00XX,
// like askama's) and `e`/`escape`; `{% if %}` / `{% else if %}` / `{% else %}` / `{% endif %}`,
// `{% if let Some(x) = expr %}`, `{% for x in expr %}`, `{% extends "..." %}` and
// `{% block name %}`. Expressions: string, integer and boolean literals, variables, field access,
// `! & *`, `== != < > <= >=`, `&& ||`, and the methods `replace`, `to_string`, `as_str`,
// `is_some`, `is_none`, `is_empty`, `len`, `trim`. Anything else throws, so a template that
// leaves this subset fails the tests instead of rendering wrongly.
// `askama-crosscheck.sh` compares this renderer's output with askama's for the sample contexts.

const fs = require('node:fs');
const path = require('node:path');

const TEMPLATE_DIR = path.join(__dirname, '..', '..', 'crates', 'interviewd', 'templates', 'candidate');

function escapeHtml(s) {
  return s.replace(/["&'<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function toJson(value) {
  return JSON.stringify(value).replace(/[&'<>]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

/** Splits template source into text, expression, statement tokens (comments dropped). */
function tokenize(src) {
  const tokens = [];
  let i = 0;
  while (i < src.length) {
    const open = src.slice(i).search(/\{[{%#]/);
    if (open < 0) {
      tokens.push({ kind: 'text', value: src.slice(i) });
      break;
    }
    if (open > 0) tokens.push({ kind: 'text', value: src.slice(i, i + open) });
    const start = i + open;
    const type = src[start + 1];
    const close = { '{': '}}', '%': '%}', '#': '#}' }[type];
    const end = src.indexOf(close, start + 2);
    if (end < 0) throw new Error(`template: unclosed ${src.slice(start, start + 2)} at ${start}`);
    let inner = src.slice(start + 2, end);
    if (/^[-+~]|[-+~]$/.test(inner.trim()) && type !== '#') throw new Error(`template: whitespace control is not supported: ${inner}`);
    inner = inner.trim();
    if (type === '{') tokens.push({ kind: 'expr', value: inner });
    else if (type === '%') tokens.push({ kind: 'stmt', value: inner });
    i = end + 2;
  }
  return tokens;
}

/** Builds a tree: text / expr / if / for / block / extends nodes. */
function parse(tokens) {
  let pos = 0;
  function body(stops) {
    const nodes = [];
    while (pos < tokens.length) {
      const tok = tokens[pos];
      if (tok.kind === 'text') {
        nodes.push(tok);
        pos++;
        continue;
      }
      if (tok.kind === 'expr') {
        nodes.push({ kind: 'expr', value: parseOutput(tok.value) });
        pos++;
        continue;
      }
      const word = tok.value.split(/\s+/)[0];
      if (stops.some((s) => tok.value === s || tok.value.startsWith(`${s} `) || word === s)) return { nodes, stop: tok.value };
      pos++;
      if (word === 'if') nodes.push(parseIf(tok.value.slice(2).trim()));
      else if (word === 'for') {
        const m = /^for\s+(\w+)\s+in\s+(.+)$/.exec(tok.value);
        if (!m) throw new Error(`template: bad for: ${tok.value}`);
        const inner = body(['endfor']);
        pos++;
        nodes.push({ kind: 'for', name: m[1], iter: parseExpr(m[2]), body: inner.nodes });
      } else if (word === 'block') {
        const name = tok.value.split(/\s+/)[1];
        const inner = body(['endblock']);
        pos++;
        nodes.push({ kind: 'block', name, body: inner.nodes });
      } else if (word === 'extends') {
        nodes.push({ kind: 'extends', path: JSON.parse(tok.value.slice(7).trim()) });
      } else throw new Error(`template: unsupported statement {% ${tok.value} %}`);
    }
    if (stops.length) throw new Error(`template: missing ${stops.join('/')}`);
    return { nodes, stop: null };
  }
  function parseIf(cond) {
    const branches = [];
    let test = cond;
    for (;;) {
      const inner = body(['else if', 'elif', 'else', 'endif']);
      branches.push({ test: parseCondition(test), body: inner.nodes });
      pos++;
      if (inner.stop === 'endif') return { kind: 'if', branches };
      if (inner.stop === 'else') {
        const rest = body(['endif']);
        pos++;
        branches.push({ test: null, body: rest.nodes });
        return { kind: 'if', branches };
      }
      test = inner.stop.replace(/^(else if|elif)\s+/, '');
    }
  }
  return body([]).nodes;
}

function parseCondition(src) {
  const m = /^let\s+Some\((\w+)\)\s*=\s*(.+)$/.exec(src);
  if (m) return { kind: 'let', name: m[1], expr: parseExpr(m[2]) };
  return { kind: 'expr', expr: parseExpr(src) };
}

// ---- expressions

function lex(src) {
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|(\d+)|([A-Za-z_]\w*)|(==|!=|<=|>=|&&|\|\||[!&*<>().,|-]))/y;
  const out = [];
  re.lastIndex = 0;
  while (re.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(re.lastIndex))) break;
    const at = re.lastIndex;
    const m = re.exec(src);
    if (!m) throw new Error(`template: cannot read expression at "${src.slice(at)}"`);
    if (m[1] !== undefined) out.push({ t: 'str', v: JSON.parse(m[1]) });
    else if (m[2] !== undefined) out.push({ t: 'num', v: Number(m[2]) });
    else if (m[3] !== undefined) out.push({ t: 'id', v: m[3] });
    else out.push({ t: 'op', v: m[4] });
  }
  return out;
}

function parser(src) {
  const toks = lex(src);
  let i = 0;
  const peek = (v) => toks[i] && toks[i].t === 'op' && toks[i].v === v;
  const take = (v) => {
    if (!peek(v)) throw new Error(`template: expected "${v}" in "${src}"`);
    i++;
  };
  function args() {
    const list = [];
    take('(');
    while (!peek(')')) {
      list.push(or());
      if (peek(',')) i++;
    }
    take(')');
    return list;
  }
  function primary() {
    const tok = toks[i++];
    if (!tok) throw new Error(`template: unexpected end of "${src}"`);
    if (tok.t === 'str' || tok.t === 'num') return { k: 'lit', v: tok.v };
    if (tok.t === 'id' && (tok.v === 'true' || tok.v === 'false')) return { k: 'lit', v: tok.v === 'true' };
    if (tok.t === 'id') return { k: 'var', name: tok.v };
    if (tok.t === 'op' && tok.v === '(') {
      const e = or();
      take(')');
      return e;
    }
    throw new Error(`template: unexpected "${tok.v}" in "${src}"`);
  }
  function postfix() {
    let e = primary();
    while (peek('.')) {
      i++;
      const name = toks[i++].v;
      e = peek('(') ? { k: 'call', obj: e, name, args: args() } : { k: 'field', obj: e, name };
    }
    return e;
  }
  function unary() {
    if (peek('!') || peek('&') || peek('*') || peek('-')) return { k: 'un', op: toks[i++].v, e: unary() };
    return postfix();
  }
  function cmp() {
    const a = unary();
    for (const op of ['==', '!=', '<=', '>=', '<', '>']) if (peek(op)) { i++; return { k: 'bin', op, a, b: unary() }; }
    return a;
  }
  function and() {
    let a = cmp();
    while (peek('&&')) { i++; a = { k: 'bin', op: '&&', a, b: cmp() }; }
    return a;
  }
  function or() {
    let a = and();
    while (peek('||')) { i++; a = { k: 'bin', op: '||', a, b: and() }; }
    return a;
  }
  function filters() {
    const list = [];
    while (peek('|')) {
      i++;
      const name = toks[i++].v;
      list.push({ name, args: peek('(') ? args() : [] });
    }
    return list;
  }
  return { or, filters, done: () => i >= toks.length, src };
}

function parseExpr(src) {
  const p = parser(src);
  const e = p.or();
  if (!p.done()) throw new Error(`template: trailing input in "${src}"`);
  return e;
}

function parseOutput(src) {
  const p = parser(src);
  const e = p.or();
  const filters = p.filters();
  if (!p.done()) throw new Error(`template: trailing input in "${src}"`);
  return { e, filters };
}

const METHODS = {
  replace: (s, [from, to]) => String(s).split(String(from)).join(String(to)),
  to_string: (v) => (typeof v === 'boolean' ? String(v) : String(v)),
  as_str: (v) => String(v),
  is_some: (v) => v !== null && v !== undefined,
  is_none: (v) => v === null || v === undefined,
  is_empty: (v) => v.length === 0,
  len: (v) => v.length,
  trim: (v) => String(v).trim(),
};

function evaluate(e, scope) {
  switch (e.k) {
    case 'lit': return e.v;
    case 'var':
      if (!(e.name in scope)) throw new Error(`template: unknown variable ${e.name}`);
      return scope[e.name];
    case 'field': {
      const obj = evaluate(e.obj, scope);
      if (obj === null || typeof obj !== 'object' || !(e.name in obj)) throw new Error(`template: no field ${e.name}`);
      return obj[e.name];
    }
    case 'call': {
      const fn = METHODS[e.name];
      if (!fn) throw new Error(`template: unsupported method ${e.name}()`);
      return fn(evaluate(e.obj, scope), e.args.map((a) => evaluate(a, scope)));
    }
    case 'un': {
      const v = evaluate(e.e, scope);
      if (e.op === '!') return !v;
      if (e.op === '-') return -v;
      return v; // & and * change nothing here
    }
    case 'bin': {
      if (e.op === '&&') return evaluate(e.a, scope) && evaluate(e.b, scope);
      if (e.op === '||') return evaluate(e.a, scope) || evaluate(e.b, scope);
      const a = evaluate(e.a, scope);
      const b = evaluate(e.b, scope);
      return { '==': a === b, '!=': a !== b, '<': a < b, '>': a > b, '<=': a <= b, '>=': a >= b }[e.op];
    }
    default: throw new Error(`template: bad node ${e.k}`);
  }
}

function display(v) {
  if (v === null || v === undefined) throw new Error('template: cannot display an Option; use if let');
  return String(v);
}

function output(node, scope) {
  let value = evaluate(node.e, scope);
  let safe = false;
  for (const f of node.filters) {
    if (f.name === 'safe') safe = true;
    else if (f.name === 'json' || f.name === 'tojson') value = toJson(value);
    else if (f.name === 'e' || f.name === 'escape') { value = escapeHtml(display(value)); safe = true; }
    else throw new Error(`template: unsupported filter ${f.name}`);
  }
  return safe ? display(value) : escapeHtml(display(value));
}

function renderNodes(nodes, scope, blocks) {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.value;
    else if (n.kind === 'expr') out += output(n.value, scope);
    else if (n.kind === 'block') out += renderNodes(blocks[n.name] || n.body, scope, blocks);
    else if (n.kind === 'for') for (const item of evaluate(n.iter, scope)) out += renderNodes(n.body, { ...scope, [n.name]: item }, blocks);
    else if (n.kind === 'if') {
      for (const br of n.branches) {
        if (!br.test) { out += renderNodes(br.body, scope, blocks); break; }
        if (br.test.kind === 'let') {
          const v = evaluate(br.test.expr, scope);
          if (v !== null && v !== undefined) { out += renderNodes(br.body, { ...scope, [br.test.name]: v }, blocks); break; }
        } else if (evaluate(br.test.expr, scope)) { out += renderNodes(br.body, scope, blocks); break; }
      }
    } else if (n.kind === 'extends') throw new Error('template: extends must come first');
  }
  return out;
}

/** A template's source; askama drops the file's final newline (no `keep_trailing_newline`). */
function source(dir, name) {
  return fs.readFileSync(path.join(dir, name), 'utf8').replace(/\r?\n$/, '');
}

/** Renders `name` (e.g. "start.html") from the candidate template directory with `context`. */
function render(name, context, dir = TEMPLATE_DIR) {
  const nodes = parse(tokenize(source(dir, name)));
  const ext = nodes.find((n) => n.kind === 'extends');
  if (!ext) return renderNodes(nodes, context, {});
  const blocks = {};
  for (const n of nodes) if (n.kind === 'block') blocks[n.name] = n.body;
  const parent = parse(tokenize(source(dir, ext.path)));
  return renderNodes(parent, context, blocks);
}

module.exports = { render, escapeHtml, toJson, TEMPLATE_DIR };
