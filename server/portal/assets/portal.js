// The citizens' portal: views over /api/v1 (server/portal/portal_api.h) and
// the in-browser verification of records and receipts (WebCrypto only):
//   - the checkpoint: a C2SP signed note whose signature line by the log key
//     (Ed25519, key ID = SHA-256(name || "\n" || 0x01 || key)[:4]) verifies;
//   - witnesses: C2SP tlog-cosignature/v1 lines (key ID with 0x04; signature
//     over "cosignature/v1\ntime T\n" + body);
//   - the record: SHA-256(0x00 || leaf) leads through the RFC 6962 inclusion
//     proof (nodes SHA-256(0x01 || left || right)) to the checkpoint's root;
//   - the details shown: read again from the verified leaf bytes (protobuf).
"use strict";

const api = {
  async get(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" } });
    let body;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const message = body && body.error ? body.error.message : `HTTP ${response.status}`;
      throw new Error(message);
    }
    return body;
  },
};

let info = null;  // /api/v1/info, loaded once

// ---- small helpers ---------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function view(...children) {
  const root = document.getElementById("vista");
  root.replaceChildren(...children);
}

function errorBox(error) {
  return el("p", { class: "error", role: "alert", text: `Error: ${error.message}` });
}

// Microseconds since the epoch as a date and time of the institution's zone;
// a time no Date can hold (odd times stored by old servers) as its number.
function formatMicros(micros) {
  if (micros === undefined || micros === null || micros === "") return "";
  const zone = info ? info.time_zone : "America/Bogota";
  try {
    const ms = Number(BigInt(micros) / 1000n);
    return new Intl.DateTimeFormat("es-CO", {
      timeZone: zone, dateStyle: "long", timeStyle: "long",
    }).format(new Date(ms));
  } catch (e) {
    return `${micros} µs desde 1970`;
  }
}

// The same time, as the API gave it (a JSON number) and as read from the
// bytes (a decimal string); numbers beyond 2^53 are not compared (JSON
// numbers lose their precision there).
function sameMicros(fromApi, fromBytes) {
  return !Number.isSafeInteger(fromApi) || String(fromApi) === fromBytes;
}

function b64decode(text) {
  const binary = atob(text.trim());
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: false });

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function queryOf(hash) {
  const at = hash.indexOf("?");
  return new URLSearchParams(at < 0 ? "" : hash.slice(at + 1));
}

// ---- verification ------------------------------------------------------------

// A vkey "name+hex8+base64(type || key)" of `type` (0x01 log keys, 0x04 cosigners).
async function parseVkey(vkey, type) {
  // The name has no "+"; base64 may.
  const m = /^([^+]+)\+([0-9a-fA-F]{8})\+(.+)$/.exec(vkey);
  if (!m) throw new Error("la clave no tiene la forma nombre+id+clave");
  const [, name, idHex, keyB64] = m;
  const raw = b64decode(keyB64);
  if (raw.length !== 33 || raw[0] !== type) throw new Error("la clave no es Ed25519 del tipo esperado");
  const publicKey = raw.slice(1);
  const id = (await sha256(concat(utf8.encode(name), new Uint8Array([0x0a, type]), publicKey))).slice(0, 4);
  if (hex(id) !== idHex.toLowerCase()) throw new Error("el identificador de la clave no corresponde a la clave");
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  return { name, id, key };
}

// Splits a signed note into its body (with its final "\n") and signature lines.
function parseNote(text) {
  const split = text.lastIndexOf("\n\n");
  if (split < 0 || !text.endsWith("\n")) throw new Error("el punto de control no es una nota firmada");
  const body = text.slice(0, split + 1);
  const signatures = [];
  for (const line of text.slice(split + 2).split("\n")) {
    if (line === "") continue;
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error("una línea de firma está mal formada");
    signatures.push({ name: m[1], bytes: b64decode(m[2]) });
  }
  const lines = body.split("\n");
  if (lines.length < 4) throw new Error("el cuerpo del punto de control está incompleto");
  if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Error("el tamaño del punto de control no es un número");
  return { body, signatures, origin: lines[0], size: Number(lines[1]), root: b64decode(lines[2]) };
}

// The note's signature by `vkey` (a log key): true if present and valid.
async function verifyNoteSignature(note, vkey) {
  const key = await parseVkey(vkey, 0x01);
  for (const sig of note.signatures) {
    if (sig.name !== key.name || sig.bytes.length !== 68 || !equalBytes(sig.bytes.slice(0, 4), key.id)) continue;
    if (await crypto.subtle.verify({ name: "Ed25519" }, key.key, sig.bytes.slice(4), utf8.encode(note.body))) {
      return true;
    }
  }
  return false;
}

// Each witness's cosignature on the note: [{name, ok, time}].
async function verifyCosignatures(note, witnesses) {
  const results = [];
  for (const witness of witnesses) {
    let ok = false, time = null;
    try {
      const key = await parseVkey(witness.vkey, 0x04);
      for (const sig of note.signatures) {
        if (sig.name !== key.name || sig.bytes.length !== 76 || !equalBytes(sig.bytes.slice(0, 4), key.id)) continue;
        let t = 0n;
        for (const b of sig.bytes.slice(4, 12)) t = (t << 8n) | BigInt(b);
        const message = utf8.encode(`cosignature/v1\ntime ${t}\n${note.body}`);
        if (await crypto.subtle.verify({ name: "Ed25519" }, key.key, sig.bytes.slice(12), message)) {
          ok = true; time = t;
        }
      }
    } catch (e) { ok = false; }
    results.push({ name: witness.name, ok, time });
  }
  return results;
}

// RFC 9162 2.1.3.2: the root the proof leads to from `leafHash` at `index` of `size`.
async function rootFromProof(index, size, leafHash, proof) {
  if (index >= size) throw new Error("el índice está fuera del árbol");
  let fn = index, sn = size - 1, r = leafHash;
  for (const p of proof) {
    if (p.length !== 32) throw new Error("un hash de la prueba no tiene 32 bytes");
    if (sn === 0) throw new Error("la prueba es más larga de lo debido");
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(concat(new Uint8Array([1]), p, r));
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      }
    } else {
      r = await sha256(concat(new Uint8Array([1]), r, p));
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error("la prueba es más corta de lo debido");
  return r;
}

// A minimal protobuf reader: the fields of one message, by number.
function readProto(bytes) {
  const fields = new Map();
  let at = 0;
  const varint = () => {
    let value = 0n, shift = 0n;
    for (;;) {
      if (at >= bytes.length) throw new Error("protobuf truncado");
      const b = bytes[at++];
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
      shift += 7n;
    }
  };
  while (at < bytes.length) {
    const tag = varint();
    const number = Number(tag >> 3n), wire = Number(tag & 7n);
    let value;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = Number(varint());
      if (at + length > bytes.length) throw new Error("protobuf truncado");
      value = bytes.slice(at, at + length); at += length;
    } else if (wire === 5) { value = bytes.slice(at, at + 4); at += 4; }
    else if (wire === 1) { value = bytes.slice(at, at + 8); at += 8; }
    else throw new Error("protobuf con un tipo de campo desconocido");
    fields.set(number, value);
  }
  return fields;
}

function toSigned64(value) { return value >= (1n << 63n) ? value - (1n << 64n) : value; }

// What a record's bytes say: memoria.v1.Record and its Entry's first fields.
function decodeRecord(leaf) {
  const record = readProto(leaf);
  const entry = readProto(record.get(1) || new Uint8Array());
  return {
    index: record.has(4) ? Number(record.get(4)) : 0,
    integrated_micros: record.has(6) ? toSigned64(record.get(6)).toString() : "0",
    writer: entry.has(1) ? fromUtf8.decode(entry.get(1)) : "",
    request_id: entry.has(2) ? fromUtf8.decode(entry.get(2)) : "",
    event_time_micros: entry.has(3) ? toSigned64(entry.get(3)).toString() : "0",
  };
}

// Whether the witnesses whose cosignature verified (`good`, a Set of names)
// meet `name`, a witness or a group of the C2SP tlog-policy ("none": always).
function quorumMet(name, good, groups, depth = 0) {
  if (name === "none") return true;
  if (depth > 64) return false;
  const group = groups.find((g) => g.name === name);
  if (!group) return good.has(name);
  return group.members.filter((m) => quorumMet(m, good, groups, depth + 1)).length >= group.threshold;
}

// Verifies that `leaf` is record `index` of the checkpoint `noteText`, signed
// by `logVkey` (and, when `policy` is given, cosigned by its quorum of
// witnesses). Returns {ok, checks: [{ok, text}], note, decoded}.
async function verifyInclusion({ index, leaf, proof, noteText, logVkey, expectedLeafHash, policy }) {
  const checks = [];
  const add = (ok, text) => { checks.push({ ok, text }); return ok; };
  let note = null, decoded = null;
  try {
    note = parseNote(noteText);
    add(true, `El punto de control es del registro «${note.origin}» y abarca ${note.size} registros.`);
    add(await verifyNoteSignature(note, logVkey),
        "La firma Ed25519 del punto de control corresponde a la clave del registro mostrada.");
    if (policy && policy.witnesses.length > 0) {
      const cosigned = await verifyCosignatures(note, policy.witnesses);
      const good = new Set(cosigned.filter((w) => w.ok).map((w) => w.name));
      add(quorumMet(policy.quorum, good, policy.groups),
          `Cofirmas de testigos válidas: ${good.size} de ${policy.witnesses.length}` +
          (good.size ? ` (${[...good].join(", ")})` : "") + `; quórum «${policy.quorum}» ` +
          (quorumMet(policy.quorum, good, policy.groups) ? "cumplido." : "NO cumplido."));
    }
    const leafHash = await sha256(concat(new Uint8Array([0]), leaf));
    if (expectedLeafHash !== undefined) {
      add(hex(leafHash) === expectedLeafHash, "El hash de hoja SHA-256(0x00 ‖ registro) es el anunciado.");
    }
    const root = await rootFromProof(index, note.size, leafHash, proof);
    add(equalBytes(root, note.root),
        `La prueba de inclusión (${proof.length} hashes) lleva del registro ${index} a la raíz firmada.`);
    decoded = decodeRecord(leaf);
    add(decoded.index === index, `Los bytes verificados son los del registro número ${index}.`);
  } catch (e) {
    add(false, `No se pudo verificar: ${e.message}`);
  }
  return { ok: checks.length > 0 && checks.every((c) => c.ok), checks, note, decoded };
}

function resultBox(result, okTitle, failTitle) {
  return el("div", { class: `resultado ${result.ok ? "ok" : "fallo"}`, role: "status", id: "resultado" },
    el("p", {}, el("strong", { text: result.ok ? okTitle : failTitle })),
    el("ul", {}, result.checks.map((c) => el("li", { text: `${c.ok ? "✔" : "✘"} ${c.text}` }))));
}

// ---- views -------------------------------------------------------------------

function logKeyBlock() {
  return el("section", { "aria-labelledby": "clave-titulo" },
    el("h2", { id: "clave-titulo", text: "Clave pública del registro" }),
    el("p", { text: "Compárela con la clave que la institución publica: la verificación se hace contra esta clave." }),
    el("p", {}, el("code", { class: "clave", id: "clave-registro", text: info.log_vkey })));
}

function home() {
  view(
    el("h1", { text: "Portal ciudadano" }),
    el("p", { text: `Registro «${info.origin}»: ${info.tree_size} registros. Zona horaria: ${info.time_zone}.` }),
    el("ul", {},
      el("li", {}, el("a", { href: "#/inventario", text: "Inventario de cuentas oficiales en una fecha" })),
      el("li", {}, el("a", { href: "#/buscar", text: "Buscar registros por cuenta, tipo y fechas" })),
      el("li", {}, el("a", { href: "#/recibo", text: "Comprobar un recibo (tlog-proof)" }))),
    logKeyBlock(),
    info.witnesses.length > 0
      ? el("section", {}, el("h2", { text: "Testigos" }),
          el("ul", {}, info.witnesses.map((w) => el("li", {}, `${w.name}: `, el("code", { class: "clave", text: w.vkey })))))
      : null,
    el("h2", { text: "Último punto de control" }),
    el("pre", { text: info.checkpoint }));
}

const ENUM_ES = {
  MAIN: "principal", ALTERNATE: "alterna", ACTIVE: "activa",
  TEMPORARILY_CLOSED: "cerrada temporalmente", CLOSED: "cerrada",
};

async function inventory(params) {
  const date = params.get("fecha") || "";
  const input = el("input", { type: "date", id: "fecha", name: "fecha", value: date });
  const form = el("form", { class: "filtro", onsubmit: (e) => {
      e.preventDefault();
      location.hash = `#/inventario?fecha=${encodeURIComponent(input.value)}`;
    } },
    el("label", { for: "fecha" }, "Fecha (vacía: hoy)", input),
    el("button", { type: "submit", text: "Consultar" }));
  view(el("h1", { text: "Inventario de cuentas" }), form, el("p", { text: "Consultando…" }));
  try {
    const data = await api.get(`/api/v1/inventory${date ? `?date=${encodeURIComponent(date)}` : ""}`);
    const rows = data.accounts.map((a) => el("tr", {},
      el("td", { text: (a.account.platform || "").toLowerCase() }),
      el("td", { text: a.account.handle }),
      el("td", { text: ENUM_ES[a.kind] || a.kind || "" }),
      el("td", { text: ENUM_ES[a.status] || a.status || "" }),
      el("td", { text: a.dependency || "" }),
      el("td", { text: formatMicros(a.created_micros) }),
      el("td", { text: a.last_activity_micros ? formatMicros(a.last_activity_micros) : "" }),
      el("td", {}, el("a", { href: `#/buscar?account=${encodeURIComponent(`${(a.account.platform || "").toLowerCase()}/${a.account.handle}`)}`, text: "registros" }))));
    view(el("h1", { text: "Inventario de cuentas" }), form,
      el("p", { id: "inventario-resumen", text: `${data.accounts.length} ${data.accounts.length === 1 ? "cuenta" : "cuentas"} ${date ? `al final del ${date}` : "hoy"}` +
        (data.at_index !== null ? ` (hasta el registro ${data.at_index})` : "") + "." }),
      el("table", {},
        el("caption", { text: "Cuentas oficiales de la institución (política, ítem 13)" }),
        el("thead", {}, el("tr", {}, ["Plataforma", "Cuenta", "Tipo", "Estado", "Dependencia", "Creada", "Última actividad", ""]
          .map((h) => el("th", { scope: "col", text: h })))),
        el("tbody", {}, rows)));
  } catch (e) {
    view(el("h1", { text: "Inventario de cuentas" }), form, errorBox(e));
  }
}

function filterParams(params) {
  const out = new URLSearchParams();
  for (const key of ["account", "type", "from", "to"]) if (params.get(key)) out.set(key, params.get(key));
  return out;
}

async function search(params) {
  const field = (name, label, input) => el("label", { for: name }, label, input);
  const account = el("input", { id: "account", name: "account", value: params.get("account") || "", placeholder: "facebook/alcaldiapasto" });
  const type = el("select", { id: "type", name: "type" },
    el("option", { value: "", text: "Todos" }),
    info.event_types.map((t) => el("option", { value: t.type, text: t.label, selected: params.get("type") === t.type })));
  const from = el("input", { type: "date", id: "from", name: "from", value: params.get("from") || "" });
  const to = el("input", { type: "date", id: "to", name: "to", value: params.get("to") || "" });
  const form = el("form", { class: "filtro", role: "search", onsubmit: (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      if (account.value.trim()) q.set("account", account.value.trim());
      if (type.value) q.set("type", type.value);
      if (from.value) q.set("from", from.value);
      if (to.value) q.set("to", to.value);
      location.hash = `#/buscar?${q}`;
    } },
    field("account", "Cuenta (plataforma/cuenta)", account), field("type", "Tipo de evento", type),
    field("from", "Desde (fecha del evento)", from), field("to", "Hasta", to),
    el("button", { type: "submit", text: "Buscar" }));
  const title = el("h1", { text: "Buscar registros" });
  if (![...params.keys()].length) {
    view(title, form, el("p", { text: "Escoja una cuenta, un tipo o unas fechas, o busque todo." }));
    return;
  }
  view(title, form, el("p", { text: "Buscando…" }));
  const filter = filterParams(params);
  const q = new URLSearchParams(filter);
  if (params.get("page_token")) q.set("page_token", params.get("page_token"));
  try {
    const data = await api.get(`/api/v1/records?${q}`);
    const rows = data.records.map((r) => el("tr", {},
      el("td", {}, el("a", { href: `#/registro/${r.index}`, text: String(r.index) })),
      el("td", { text: formatMicros(r.event_time_micros) }),
      el("td", { text: r.type_label }),
      el("td", { text: r.account }),
      el("td", { text: r.writer })));
    const next = data.next_page_token
      ? el("a", { href: `#/buscar?${new URLSearchParams([...filter, ["page_token", data.next_page_token]])}`, text: "Página siguiente →" })
      : null;
    view(title, form,
      el("p", { id: "busqueda-resumen", role: "status", text: data.records.length ? `${data.records.length} ${data.records.length === 1 ? "registro" : "registros"} en esta página (más recientes primero).` : "Ningún registro coincide." }),
      el("table", {},
        el("caption", { text: "Registros encontrados" }),
        el("thead", {}, el("tr", {}, ["N.º", "Fecha del evento", "Tipo", "Cuenta", "Servicio que lo escribió"].map((h) => el("th", { scope: "col", text: h })))),
        el("tbody", {}, rows)),
      el("div", { class: "paginas" }, next),
      el("h2", { text: "Descargar la respuesta" }),
      el("p", {}, "Todos los registros de esta búsqueda (sin datos personales): ",
        el("a", { class: "boton", id: "descargar-csv", href: `/api/v1/export.csv?${filter}`, download: "registros.csv", text: "CSV" }), " ",
        el("a", { class: "boton", id: "descargar-bundle", href: `/api/v1/export.bundle?${filter}`, download: "registros.bundle.jsonl", text: "Paquete verificable" })),
      el("p", {}, "El paquete se verifica sin el servidor, con la clave publicada del registro: ",
        el("code", { text: "memoria-audit verify --bundle registros.bundle.jsonl --log-key <clave>" })));
  } catch (e) {
    view(title, form, errorBox(e));
  }
}

async function record(index) {
  const title = el("h1", { text: `Registro ${index}` });
  view(title, el("p", { text: "Cargando…" }));
  let data;
  try {
    data = await api.get(`/api/v1/records/${encodeURIComponent(index)}`);
  } catch (e) {
    view(title, errorBox(e));
    return;
  }
  const details = el("dl", { class: "detalles", id: "detalles" },
    [["Tipo", data.type_label], ["Cuenta", data.account || "—"],
    ["Fecha del evento", formatMicros(data.event_time_micros)],
    ["Integrado en el registro", formatMicros(data.integrated_micros)],
    ["Servicio que lo escribió", `${data.writer} (clave ${data.writer_key_id})`],
    ["Identificador de la solicitud", data.request_id],
    ["Hash de hoja", data.leaf_hash]]
    .map(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]).flat());
  const output = el("div", { id: "verificacion", "aria-live": "polite" });
  const button = el("button", { type: "button", id: "verificar", text: "Verificar", onclick: async () => {
    button.disabled = true;
    output.replaceChildren(el("p", { text: "Verificando en su navegador…" }));
    const started = performance.now();
    const result = await verifyInclusion({
      index: data.index, leaf: b64decode(data.leaf), proof: data.inclusion_proof.map(b64decode),
      noteText: data.checkpoint, logVkey: info.log_vkey, expectedLeafHash: data.leaf_hash,
      policy: data.cosigned ? { witnesses: info.witnesses, groups: info.witness_groups, quorum: info.witness_quorum } : null,
    });
    if (info.witnesses.length > 0 && !data.cosigned) {
      result.checks.push({ ok: true, text: "Este registro es más reciente que el último punto de control cofirmado por los testigos: se verificó con la firma del registro solamente." });
    }
    if (result.decoded) {
      const d = result.decoded;
      const same = d.writer === data.writer && d.request_id === data.request_id &&
        sameMicros(data.event_time_micros, d.event_time_micros) && sameMicros(data.integrated_micros, d.integrated_micros);
      result.checks.push({ ok: same, text: "Los datos mostrados (servicio, solicitud, fechas) son los de los bytes verificados." });
      result.ok = result.ok && same;
    }
    const ms = performance.now() - started;
    output.replaceChildren(resultBox(result,
      "verificado: este registro está en el registro firmado.",
      "NO verificado: la respuesta del servidor no prueba este registro."),
      el("p", { id: "tiempo-verificacion", text: `Verificación hecha en ${ms.toFixed(1)} ms.` }));
    button.disabled = false;
    document.getElementById("resultado").focus?.();
  } });
  view(title, details,
    el("h2", { text: "Contenido completo" }),
    el("pre", { id: "entrada", text: JSON.stringify(data.entry, null, 2) }),
    el("h2", { text: "Verificación" }),
    el("p", { text: `La verificación se hace en este navegador: la firma del punto de control (${data.tree_size} registros${data.cosigned ? ", cofirmado por testigos" : ""}) con la clave de abajo y la prueba de inclusión con SHA-256.` }),
    button, output,
    logKeyBlock(),
    el("details", {}, el("summary", { text: "Punto de control y prueba" }),
      el("pre", { text: data.checkpoint }),
      el("pre", { text: data.inclusion_proof.join("\n") })));
}

// A receipt: tlog-proof text (c2sp.org/tlog-proof@v1) or the JSON of `memoria append --json`.
function parseReceipt(text) {
  const trimmed = text.replace(/\r\n/g, "\n").replace(/^\s+/, "");
  if (trimmed.startsWith("{")) {
    const j = JSON.parse(trimmed);
    if (!j.leaf) throw new Error("el recibo no trae los bytes del registro (leaf)");
    return { index: Number(j.index), proof: (j.hashes || []).map(b64decode), note: j.checkpoint, leaf: b64decode(j.leaf) };
  }
  const lines = trimmed.split("\n");
  if (lines[0] !== "c2sp.org/tlog-proof@v1") throw new Error("la primera línea no es c2sp.org/tlog-proof@v1");
  let i = 1, leaf = null;
  if (lines[i] && lines[i].startsWith("extra ")) { leaf = b64decode(lines[i].slice(6)); i++; }
  const m = /^index (0|[1-9][0-9]*)$/.exec(lines[i] || "");
  if (!m) throw new Error(`la línea ${i + 1} no es «index N»`);
  i++;
  const proof = [];
  while (i < lines.length && lines[i] !== "") proof.push(b64decode(lines[i++]));
  if (i >= lines.length) throw new Error("falta la línea en blanco antes del punto de control");
  const note = lines.slice(i + 1).join("\n");
  if (!leaf) throw new Error("el recibo no trae los bytes del registro (línea extra)");
  return { index: Number(m[1]), proof, note: note.endsWith("\n") ? note : `${note}\n`, leaf };
}

function receipt() {
  const area = el("textarea", { id: "recibo", name: "recibo", spellcheck: "false" });
  const output = el("div", { id: "verificacion", "aria-live": "polite" });
  const form = el("form", { onsubmit: async (e) => {
      e.preventDefault();
      output.replaceChildren(el("p", { text: "Verificando en su navegador…" }));
      let parsed;
      try { parsed = parseReceipt(area.value); } catch (err) {
        output.replaceChildren(resultBox({ ok: false, checks: [{ ok: false, text: `El recibo no se puede leer: ${err.message}` }] }, "", "NO verificado: el recibo no se puede leer."));
        return;
      }
      const cosignedReceipt = info.witnesses.length > 0 &&
        (parsed.note.slice(parsed.note.lastIndexOf("\n\n") + 2).match(/^\u2014 /gm) || []).length > 1;
      const result = await verifyInclusion({ index: parsed.index, leaf: parsed.leaf, proof: parsed.proof, noteText: parsed.note, logVkey: info.log_vkey,
        policy: cosignedReceipt ? { witnesses: info.witnesses, groups: info.witness_groups, quorum: info.witness_quorum } : null });
      const parts = [resultBox(result, "verificado: el recibo prueba que este registro está en el registro firmado.", "NO verificado: el recibo no prueba nada con la clave de este registro.")];
      if (result.decoded) {
        const d = result.decoded;
        parts.push(el("h2", { text: "Qué prueba" }),
          el("dl", { class: "detalles", id: "prueba" },
            [["Registro número", String(parsed.index)], ["Servicio que lo escribió", d.writer],
            ["Identificador de la solicitud", d.request_id], ["Fecha del evento", formatMicros(d.event_time_micros)],
            ["Integrado", formatMicros(d.integrated_micros)], ["Punto de control", result.note ? `${result.note.size} registros` : ""]]
            .map(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]).flat()),
          el("p", {}, el("a", { href: `#/registro/${parsed.index}`, text: "Ver el registro en el portal" })));
      }
      output.replaceChildren(...parts);
    } },
    el("label", { for: "recibo", text: "Pegue el recibo (texto c2sp.org/tlog-proof@v1 o el JSON de memoria append --json)" }),
    area, el("p", {}, el("button", { type: "submit", id: "comprobar", text: "Comprobar recibo" })));
  view(el("h1", { text: "Comprobar un recibo" }), form, output, logKeyBlock());
}

async function route() {
  const hash = location.hash || "#/";
  const path = hash.split("?")[0];
  const params = queryOf(hash);
  try {
    if (!info) info = await api.get("/api/v1/info");
  } catch (e) {
    view(el("h1", { text: "Portal ciudadano" }), errorBox(e));
    return;
  }
  const m = /^#\/registro\/(.+)$/.exec(path);
  if (m) await record(decodeURIComponent(m[1]));
  else if (path === "#/inventario") await inventory(params);
  else if (path === "#/buscar") await search(params);
  else if (path === "#/recibo") receipt();
  else home();
  document.getElementById("contenido").focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", route);
