// The CEC1 QR payload without cryptography: Base45, a strict CBOR reader for exactly the
// items a payload holds, COSE_Sign1 and the 13 claims (docs/qr-payload.md). The same rules,
// in the same order and with the same reason codes, as registry/payload/ in Python.
//
// Nothing here checks a signature: decodePayload() gives the parts, verify.js checks them.

export const PREFIX = "CEC1:";
export const MAX_TEXT = 2800; // characters, after stripping white space
export const MAX_MESSAGE = 2048; // bytes of COSE_Sign1
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const MAX_DEPTH = 64;

/** A payload that is not well-formed; `reason` is the code of docs/errors.md. */
export class PayloadError extends Error {
  constructor(reason, detail) {
    super(detail);
    this.reason = reason;
  }
}

// The characters Python's str.strip() removes (str.isspace()), so both verifiers read the
// same text.
const SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const STRIP = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, "gu");

export function stripText(text) {
  return text.replace(STRIP, "");
}

export function base45Decode(text) {
  const length = text.length;
  if (length % 3 === 1) {
    throw new PayloadError("bad_base45", `Base45 text has an impossible length (${length})`);
  }
  const out = new Uint8Array(Math.floor(length / 3) * 2 + (length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < length; i += 3) {
    const chunk = text.slice(i, i + 3);
    const values = [];
    for (let j = 0; j < chunk.length; j++) {
      const v = ALPHABET.indexOf(chunk[j]);
      if (v < 0) {
        throw new PayloadError(
          "bad_base45",
          `character '${chunk[j]}' at position ${i + j} is not Base45`,
        );
      }
      values.push(v);
    }
    if (values.length === 3) {
      const n = values[0] + values[1] * 45 + values[2] * 2025;
      if (n > 0xffff) {
        throw new PayloadError("bad_base45", `Base45 group at position ${i} is out of range`);
      }
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      const n = values[0] + values[1] * 45;
      if (n > 0xff) {
        throw new PayloadError("bad_base45", `Base45 group at position ${i} is out of range`);
      }
      out[o++] = n;
    }
  }
  return out;
}

// ---- CBOR (RFC 8949), read-only -------------------------------------------------------

/** A CBOR map: entries in order, lookup by integer, text or byte-string key. */
export class CborMap {
  constructor() {
    this.byKey = new Map();
  }
  static keyOf(key) {
    if (typeof key === "number" || typeof key === "bigint") return `i:${key}`;
    if (typeof key === "string") return `s:${key}`;
    if (key instanceof Uint8Array) return `b:${toHex(key)}`;
    return Symbol("key"); // never equal to anything: such a map fails every check
  }
  /** Add an entry; false when the key is already there (the caller refuses the map). */
  set(key, value) {
    const id = CborMap.keyOf(key);
    if (this.byKey.has(id)) return false;
    this.byKey.set(id, { key, value });
    return true;
  }
  get(key) {
    const entry = this.byKey.get(CborMap.keyOf(key));
    return entry === undefined ? undefined : entry.value;
  }
  get size() {
    return this.byKey.size;
  }
  keys() {
    return [...this.byKey.values()].map((e) => e.key);
  }
}

/** A tagged item other than the one the reader expects. */
export class CborTag {
  constructor(tag, value) {
    this.tag = tag;
    this.value = value;
  }
}

/** A float or a simple value (false, true, null, undefined, …): never an integer here. */
export class CborOther {
  constructor(what, value) {
    this.what = what;
    this.value = value;
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

class Reader {
  constructor(bytes, what) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.what = what;
  }
  fail(message) {
    throw new PayloadError("bad_cbor", `${this.what} is not well-formed CBOR: ${message}`);
  }
  need(n) {
    if (this.pos + n > this.bytes.length) this.fail("premature end of stream");
  }
  argument(info) {
    if (info < 24) return info;
    const width = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (width === undefined) {
      if (info === 31) this.fail("indefinite-length items are not accepted");
      this.fail(`reserved additional information ${info}`);
    }
    this.need(width);
    const p = this.pos;
    this.pos += width;
    // One encoding only, as the Python verifier insists (it re-encodes what it read and
    // compares): an argument in more bytes than it needs is refused.
    let value;
    if (width === 1) value = this.view.getUint8(p);
    else if (width === 2) value = this.view.getUint16(p);
    else if (width === 4) value = this.view.getUint32(p);
    else {
      const big = this.view.getBigUint64(p);
      if (big <= 0xffffffffn) this.fail("an integer or length in more bytes than it needs");
      return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    const floor = { 1: 24, 2: 0x100, 4: 0x10000 }[width];
    if (value < floor) this.fail("an integer or length in more bytes than it needs");
    return value;
  }
  length(info) {
    const n = this.argument(info);
    if (typeof n === "bigint" || n > this.bytes.length) this.fail("length beyond the data");
    return n;
  }
  item(depth) {
    if (depth > MAX_DEPTH) this.fail("nested too deeply");
    this.need(1);
    const initial = this.bytes[this.pos++];
    const major = initial >> 5;
    const info = initial & 0x1f;
    switch (major) {
      case 0:
        return this.argument(info);
      case 1: {
        const n = this.argument(info);
        return typeof n === "bigint" ? -1n - n : -1 - n;
      }
      case 2: {
        const n = this.length(info);
        this.need(n);
        const out = this.bytes.slice(this.pos, this.pos + n);
        this.pos += n;
        return out;
      }
      case 3: {
        const n = this.length(info);
        this.need(n);
        const raw = this.bytes.subarray(this.pos, this.pos + n);
        this.pos += n;
        try {
          return UTF8.decode(raw);
        } catch {
          this.fail("text string is not UTF-8");
        }
        break;
      }
      case 4: {
        const n = this.length(info);
        const out = [];
        for (let i = 0; i < n; i++) out.push(this.item(depth + 1));
        return out;
      }
      case 5: {
        const n = this.length(info);
        const out = new CborMap();
        for (let i = 0; i < n; i++) {
          const key = this.item(depth + 1);
          if (!out.set(key, this.item(depth + 1))) this.fail("a map key appears twice");
        }
        return out;
      }
      case 6: {
        const tag = this.argument(info);
        const value = this.item(depth + 1);
        if ((tag === 2 || tag === 3) && value instanceof Uint8Array) return this.bignum(tag, value);
        return new CborTag(tag, value);
      }
      default:
        return this.simple(info);
    }
  }
  /** A bignum is an integer, and allowed only where eight bytes do not suffice (what the
   * Python verifier reads and writes back unchanged). */
  bignum(tag, bytes) {
    if (bytes.length === 0 || bytes[0] === 0 || bytes.length <= 8) {
      this.fail("a bignum for an integer that has a shorter encoding");
    }
    const n = BigInt(`0x${toHex(bytes)}`);
    return tag === 2 ? n : -1n - n;
  }
  simple(info) {
    if (info < 20) return new CborOther("simple", info);
    if (info === 20) return new CborOther("false", false);
    if (info === 21) return new CborOther("true", true);
    if (info === 22) return new CborOther("null", null);
    if (info === 23) return new CborOther("undefined", undefined);
    if (info === 24) {
      this.need(1);
      const value = this.bytes[this.pos++];
      if (value < 32) this.fail(`simple value ${value} in two bytes`);
      return new CborOther("simple", value);
    }
    // cecert writes floats (it writes none) as 8 bytes only; shorter forms are another
    // encoding of the same value, refused like the Python verifier refuses them.
    if (info === 25 || info === 26) this.fail("a float in a short form");
    if (info === 27) {
      this.need(8);
      const value = this.view.getFloat64(this.pos);
      this.pos += 8;
      return new CborOther("float", value);
    }
    if (info === 31) this.fail("break outside an indefinite-length item");
    this.fail(`reserved additional information ${info}`);
    return undefined;
  }
}

/** Exactly one CBOR item filling `bytes` (trailing bytes refused); raise bad_cbor. */
export function loadsStrict(bytes, what) {
  const reader = new Reader(bytes, what);
  const value = reader.item(0);
  if (reader.pos !== bytes.length) {
    throw new PayloadError(
      "bad_cbor",
      `${what}: ${bytes.length - reader.pos} byte(s) after the CBOR item`,
    );
  }
  return value;
}

// ---- COSE_Sign1 ------------------------------------------------------------------------

const TAG_SIGN1 = 18;
const ALG_ES256 = -7;

function isInt(value) {
  return typeof value === "number" || typeof value === "bigint";
}

/** Parse a tagged ES256 COSE_Sign1: {kid, protected, payload, signature} as received. */
export function decodeSign1(bytes) {
  if (bytes.length > MAX_MESSAGE) {
    throw new PayloadError(
      "payload_too_large",
      `COSE message of ${bytes.length} bytes is too large`,
    );
  }
  const outer = loadsStrict(bytes, "COSE message");
  if (!(outer instanceof CborTag) || outer.tag !== TAG_SIGN1) {
    throw new PayloadError("bad_cose", "not a tagged COSE_Sign1 message (tag 18)");
  }
  const body = outer.value;
  if (!Array.isArray(body) || body.length !== 4) {
    throw new PayloadError("bad_cose", "COSE_Sign1 must be an array of 4 items");
  }
  const [protectedBytes, unprotected, payload, signature] = body;
  if (
    !(protectedBytes instanceof Uint8Array) ||
    !(unprotected instanceof CborMap) ||
    !(payload instanceof Uint8Array) ||
    !(signature instanceof Uint8Array)
  ) {
    throw new PayloadError("bad_cose", "COSE_Sign1 items have the wrong types");
  }
  if (unprotected.size) throw new PayloadError("bad_cose", "unprotected header must be empty");
  const header = loadsStrict(protectedBytes, "protected header");
  const labels = header instanceof CborMap ? header.keys() : [];
  if (
    !(header instanceof CborMap) ||
    header.size !== 2 ||
    !labels.every((k) => isInt(k) && (k === 1 || k === 4))
  ) {
    throw new PayloadError("bad_cose", "protected header must hold exactly alg and kid");
  }
  const alg = header.get(1);
  if (alg !== ALG_ES256) {
    throw new PayloadError("bad_cose", `algorithm ${describe(alg)} is not ES256`);
  }
  const kid = header.get(4);
  if (!(kid instanceof Uint8Array) || kid.length === 0) {
    throw new PayloadError("bad_cose", "kid must be a non-empty byte string");
  }
  return { kid, protected: protectedBytes, payload, signature };
}

function describe(value) {
  if (value instanceof CborOther) return String(value.value);
  if (value instanceof Uint8Array) return `h'${toHex(value)}'`;
  return String(value);
}

/** The Sig_structure ["Signature1", protected, h'', payload], canonical CBOR. */
export function sigStructure(protectedBytes, payload) {
  const parts = [
    Uint8Array.of(0x84, 0x6a),
    new TextEncoder().encode("Signature1"),
    bstrHead(protectedBytes.length),
    protectedBytes,
    Uint8Array.of(0x40),
    bstrHead(payload.length),
    payload,
  ];
  return concat(parts);
}

function bstrHead(n) {
  if (n < 24) return Uint8Array.of(0x40 + n);
  if (n < 0x100) return Uint8Array.of(0x58, n);
  if (n < 0x10000) return Uint8Array.of(0x59, n >> 8, n & 0xff);
  return Uint8Array.of(0x5a, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

// ---- Claims ----------------------------------------------------------------------------

export const KINDS = ["original", "renewal", "reissue", "correction"];
export const LEVELS = ["junior", "intermediate", "senior"];
const NAMES = {
  1: "number",
  2: "edition",
  3: "kind",
  4: "year",
  5: "name",
  6: "masked_id",
  7: "id_salt",
  8: "id_digest",
  9: "hours",
  10: "policy_id",
  11: "issuer",
  12: "issued_on",
  13: "title_level",
};

function want(raw, key, type) {
  const value = raw.get(key);
  const name = NAMES[key];
  const ok =
    type === "int"
      ? isInt(value)
      : type === "str"
        ? typeof value === "string"
        : value instanceof Uint8Array;
  if (!ok) throw new PayloadError("bad_claims", `claim ${name} (key ${key}) must be ${type === "bytes" ? "bytes" : type}`);
  if (type === "int" && !(value >= 0 && value < 2 ** 31)) {
    throw new PayloadError("bad_claims", `claim ${name} (key ${key}) is out of range`);
  }
  return type === "int" ? Number(value) : value;
}

function isoDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return text;
}

/** The claims map of section 4, checked like registry.payload.Claims.from_cbor. */
export function parseClaims(bytes) {
  const raw = loadsStrict(bytes, "claims");
  if (!(raw instanceof CborMap)) throw new PayloadError("bad_claims", "claims must be a CBOR map");
  const keys = raw.keys();
  const wanted = Object.keys(NAMES).map(Number);
  const missing = wanted.filter((k) => !keys.some((key) => isInt(key) && Number(key) === k));
  const extra = keys.filter((k) => !(isInt(k) && Number(k) >= 1 && Number(k) <= 13));
  if (missing.length || extra.length) {
    // The wording of registry.payload.Claims.from_cbor: "claims missing [12] or unknown []".
    const show = (k) => (typeof k === "string" ? `'${k}'` : String(k));
    const byText = (a, b) => (show(a) < show(b) ? -1 : show(a) > show(b) ? 1 : 0);
    throw new PayloadError(
      "bad_claims",
      `claims missing [${missing.sort(byText).join(", ")}] or unknown [${extra.sort(byText).map(show).join(", ")}]`,
    );
  }
  const kind = want(raw, 3, "int");
  if (kind >= KINDS.length) throw new PayloadError("bad_claims", `kind ${kind} is unknown`);
  const hours = raw.get(9);
  if (
    !(
      Array.isArray(hours) &&
      hours.length === 4 &&
      hours.every((h) => isInt(h) && h >= 0 && h < 10 ** 7)
    )
  ) {
    throw new PayloadError("bad_claims", "hours must be 4 non-negative integers");
  }
  const level = want(raw, 13, "int");
  if (level >= LEVELS.length) throw new PayloadError("bad_claims", `title level ${level} is unknown`);
  const issuedText = want(raw, 12, "str");
  const issuedOn = isoDate(issuedText);
  if (issuedOn === null) {
    throw new PayloadError("bad_claims", `issued_on '${issuedText}' is no date`);
  }
  return {
    number: want(raw, 1, "str"),
    edition: want(raw, 2, "int"),
    kind: KINDS[kind],
    year: want(raw, 4, "int"),
    name: want(raw, 5, "str"),
    masked_id: want(raw, 6, "str"),
    id_salt: want(raw, 7, "bytes"),
    id_digest: want(raw, 8, "bytes"),
    hours: hours.map(Number),
    policy_id: want(raw, 10, "str"),
    issuer: want(raw, 11, "str"),
    issued_on: issuedOn,
    title_level: LEVELS[level],
  };
}

/** Parse a QR text (steps 1-8 of docs/qr-payload.md); raise PayloadError. */
export function decodePayload(text) {
  const stripped = stripText(text);
  if ([...stripped].length > MAX_TEXT) {
    throw new PayloadError("payload_too_large", `QR text of ${[...stripped].length} characters`);
  }
  if (!stripped.startsWith(PREFIX)) {
    throw new PayloadError(
      "bad_prefix",
      // The text is not echoed, as in the Python verifier: it may be a pasted ID number.
      `the QR text does not start with '${PREFIX}': not a cecert v1 code`,
    );
  }
  const message = decodeSign1(base45Decode(stripped.slice(PREFIX.length)));
  return { text: stripped, message, claims: parseClaims(message.payload) };
}

// ---- bytes -----------------------------------------------------------------------------

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}
