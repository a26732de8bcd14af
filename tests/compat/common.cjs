'use strict';
// Shared plumbing for the compat drivers: option parsing, redirection of the
// libraries' hard-coded Game Jolt host to arcade (done here, in the harness,
// never by editing a package), a log of every request that reached the wire,
// and the single JSON object each driver prints.

const crypto = require('node:crypto');
const http = require('node:http');
const https = require('node:https');

const GAMEJOLT_HOSTS = new Set(['api.gamejolt.com', 'gamejolt.com']);
const BODY_LOG_LIMIT = 4000;

// Options come from argv (--base URL, --game-id N, ...) or the environment
// (ARCADE_BASE, GJ_GAME_ID, ...); argv wins.
const OPTIONS = {
  base: 'ARCADE_BASE',
  'game-id': 'GJ_GAME_ID',
  'private-key': 'GJ_PRIVATE_KEY',
  username: 'GJ_USERNAME',
  token: 'GJ_TOKEN',
  'table-id': 'GJ_TABLE_ID',
  'trophy-id': 'GJ_TROPHY_ID',
  groups: 'GJ_GROUPS',
};

function parseOptions(argv) {
  const opts = {};
  for (const [name, env] of Object.entries(OPTIONS)) {
    if (process.env[env] !== undefined) opts[name] = process.env[env];
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    let name = a.slice(2);
    let value;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    } else {
      value = argv[++i];
    }
    if (!(name in OPTIONS)) throw new Error(`unknown option --${name}`);
    if (value === undefined) throw new Error(`--${name} needs a value`);
    opts[name] = value;
  }
  for (const name of ['base', 'game-id', 'private-key']) {
    if (!opts[name]) throw new Error(`missing --${name} (or $${OPTIONS[name]})`);
  }
  opts.groups = (opts.groups || 'core').split(',').filter(Boolean);
  return opts;
}

// ---------------------------------------------------------------- wire log

const wire = [];

function signatureCheck(libUrl, privateKey) {
  // What did the library sign? Game Jolt's rule: the URL without
  // "&signature=..." followed by the private key. Record it so that a failing
  // test shows the exact signature input next to arcade's answer.
  const m = /[?&]signature=([0-9a-fA-F]+)$/.exec(libUrl);
  if (!m) return { signed_over: null, signature: null, md5_of_signed_over_matches: null };
  const signedOver = libUrl.slice(0, m.index);
  const md5 = crypto.createHash('md5').update(signedOver + privateKey, 'utf8').digest('hex');
  return {
    signed_over: signedOver,
    signature: m[1],
    md5_of_signed_over_matches: md5 === m[1].toLowerCase(),
  };
}

function logEntry(entry) {
  wire.push(entry);
  return entry;
}

function truncate(s) {
  return s.length > BODY_LOG_LIMIT ? s.slice(0, BODY_LOG_LIMIT) + '...[truncated]' : s;
}

// ---------------------------------------------------------------- redirect

function targetFor(base) {
  const u = new URL(base);
  if (u.protocol !== 'http:') throw new Error(`--base must be an http:// URL, got ${base}`);
  return {
    hostname: u.hostname,
    port: Number(u.port || 80),
    host: u.host, // host[:port] for the Host header
    prefix: u.pathname.replace(/\/+$/, ''), // a base with a path prefix is allowed
    origin: `${u.protocol}//${u.host}`,
  };
}

// Global fetch (used by gamejolt-ts-sdk): a request to http(s)://api.gamejolt.com
// is sent to arcade instead. The library's string URL is re-targeted by
// replacing scheme+host only; the path and query go through exactly as the
// library wrote them (WHATWG URL parsing, as in a browser, percent-encodes
// what the library left raw, e.g. spaces).
function redirectFetch(base, privateKey) {
  const t = targetFor(base);
  const realFetch = globalThis.fetch;
  globalThis.fetch = async function compatFetch(input, init) {
    const libUrl = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const m = /^https?:\/\/([^/?#]+)(.*)$/s.exec(libUrl);
    let sentUrl = libUrl;
    if (m && GAMEJOLT_HOSTS.has(m[1].toLowerCase())) sentUrl = t.origin + t.prefix + m[2];
    const entry = logEntry({
      via: 'fetch',
      method: (init && init.method) || 'GET',
      lib_url: libUrl,
      sent_url: sentUrl,
      ...signatureCheck(libUrl, privateKey),
    });
    try {
      const res = await realFetch(sentUrl, init);
      entry.wire_url = res.url || sentUrl; // what undici actually requested
      entry.status = res.status;
      entry.content_type = res.headers.get('content-type');
      entry.body = truncate(await res.clone().text());
      return res;
    } catch (e) {
      entry.error = String((e && e.cause) || e);
      throw e;
    }
  };
}

// node:https (used by the `request` package behind game-jolt-api): a request
// for api.gamejolt.com goes over plain http to arcade. Method, path+query and
// headers are passed through unchanged except Host, which names arcade.
function redirectHttps(base, privateKey) {
  const t = targetFor(base);
  const realHttpsRequest = https.request;
  https.request = function compatHttpsRequest(...args) {
    let url = null;
    let options = {};
    let cb;
    for (const a of args) {
      if (typeof a === 'string' || a instanceof URL) url = new URL(a);
      else if (typeof a === 'function') cb = a;
      else if (a && typeof a === 'object') options = a;
    }
    const hostname = String(options.hostname || options.host || (url && url.hostname) || '')
      .replace(/:\d+$/, '')
      .toLowerCase();
    if (!GAMEJOLT_HOSTS.has(hostname)) return realHttpsRequest.apply(this, args);

    const path = options.path || (url ? url.pathname + url.search : '/');
    const headers = { ...(options.headers || {}) };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'host') delete headers[k];
    headers.Host = t.host;
    const method = options.method || 'GET';
    // The URL as the library's HTTP stack hands it to node:https (for
    // `request`, after its url.parse, which re-escapes a few characters).
    const libUrl = `https://${hostname}${path}`;
    const entry = logEntry({
      via: 'node:https',
      method,
      lib_url: libUrl,
      sent_url: `${t.origin}${t.prefix}${path}`,
      ...signatureCheck(libUrl, privateKey),
    });
    const req = http.request(
      { hostname: t.hostname, port: t.port, path: t.prefix + path, method, headers },
      cb,
    );
    req.on('response', (res) => {
      entry.status = res.statusCode;
      entry.content_type = res.headers['content-type'] || null;
      const chunks = [];
      res.on('data', (c) => chunks.push(Buffer.from(c)));
      res.on('end', () => {
        entry.body = truncate(Buffer.concat(chunks).toString('utf8'));
      });
    });
    req.on('error', (e) => {
      entry.error = String(e);
    });
    return req;
  };
}

// ---------------------------------------------------------------- calls

function errorText(e) {
  return e && e.message !== undefined ? String(e.message) : String(e);
}

// Run one library call, record what the library handed back (or threw),
// never let one failure stop the rest.
const CALL_TIMEOUT_MS = 20000;

async function record(calls, name, fn) {
  const before = wire.length;
  let timer;
  try {
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`driver: no answer from the library within ${CALL_TIMEOUT_MS} ms`)),
        CALL_TIMEOUT_MS,
      );
    });
    const result = await Promise.race([fn(), timeout]);
    calls[name] = { ok: true, result: result === undefined ? null : result };
  } catch (e) {
    calls[name] = { ok: false, error: errorText(e) };
  } finally {
    clearTimeout(timer);
  }
  calls[name].wire = [];
  for (let i = before; i < wire.length; i++) calls[name].wire.push(i);
}

let finished = false;

function finish(out) {
  if (finished) return;
  finished = true;
  out.wire = wire;
  process.stdout.write(JSON.stringify(out) + '\n');
}

// A library that throws from inside a network callback would kill the
// process; report it in the JSON instead of a bare stack trace.
function installCrashReport(out) {
  process.on('exit', (code) => {
    if (!finished) {
      out.fatal = `driver exited (code ${code}) before finishing; last call never completed`;
      finish(out);
    }
  });
  process.on('uncaughtException', (e) => {
    out.fatal = `uncaught exception: ${e && e.stack ? e.stack : e}`;
    finish(out);
    process.exit(3);
  });
  process.on('unhandledRejection', (e) => {
    out.fatal = `unhandled rejection: ${e && e.stack ? e.stack : e}`;
    finish(out);
    process.exit(3);
  });
}

module.exports = {
  parseOptions,
  redirectFetch,
  redirectHttps,
  record,
  finish,
  installCrashReport,
  wire,
};
