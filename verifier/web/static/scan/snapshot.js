// The signed status snapshot, format version 1 (docs/snapshots.md), read and checked in the
// page: magic, canonical JSON header, zlib body (DecompressionStream "deflate"), the raw
// ES256 signature by a QR key of the trust list valid at `as_of`, sorted unique keys. The
// same rules as registry/snapshot/codec.py; a snapshot failing any of them is refused whole.

import { toHex } from "./payload.js";
import { b64urlDecode, b64urlEncode, canonicalJson, sha256, verifyEs256 } from "./trust.js";

const MAGIC = [0x43, 0x45, 0x43, 0x53]; // "CECS"
const PREFIX = 9;
const SIGNATURE = 64;
const MAX_HEADER = 65536;
const MAX_RECORDS = 50000000;
const RECORD = 14;
const KEY = 8;
const DOMAIN = new TextEncoder().encode("cecert-snapshot-v1\u0000");
const COMMON = ["format", "version", "kind", "issuer", "kid", "as_of", "count", "total", "records_sha256", "reasons", "checkpoint"];

/** A refused snapshot; `reason` as in docs/errors.md (bad_snapshot, snapshot_key, snapshot_signature). */
export class SnapshotError extends Error {
  constructor(reason, detail) {
    super(detail);
    this.reason = reason;
  }
}

function bad(message) {
  return new SnapshotError("bad_snapshot", message);
}

function utcTime(text, where) {
  if (typeof text !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text)) {
    throw bad(`${where}: '${text}' is not YYYY-MM-DDTHH:MM:SSZ`);
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || new Date(ms).toISOString().replace(".000Z", "Z") !== text) {
    throw bad(`${where}: '${text}' is not YYYY-MM-DDTHH:MM:SSZ`);
  }
  return ms;
}

function count(value, where) {
  if (!Number.isInteger(value) || value < 0 || value > MAX_RECORDS) {
    throw bad(`${where} is not a count from 0 to ${MAX_RECORDS}`);
  }
  return value;
}

function sha256Hex(value, where) {
  if (typeof value !== "string" || !/^[0-9a-f]{64}$/.test(value)) {
    throw bad(`${where} is not 64 lower-case hex digits`);
  }
  return value;
}

function checkHeader(obj) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw bad("the header is not a JSON object");
  if (obj.format !== "cecert-status-snapshot" || obj.version !== 1) {
    throw bad("not a cecert-status-snapshot version 1 header");
  }
  if (obj.kind !== "full" && obj.kind !== "delta") throw bad(`kind '${obj.kind}' is neither full nor delta`);
  const expected = obj.kind === "delta" ? [...COMMON, "base_records_sha256", "base_as_of"] : COMMON;
  const names = Object.keys(obj).filter((n) => n !== "log_size"); // optional (newer files)
  if (names.length !== expected.length || !expected.every((n) => names.includes(n))) {
    throw bad(`header members must be exactly ${[...expected].sort().join(", ")} (and optionally log_size)`);
  }
  if ("log_size" in obj && (!Number.isInteger(obj.log_size) || obj.log_size < 0)) {
    throw bad("log_size must be a whole number");
  }
  if (typeof obj.issuer !== "string" || !/^[0-9]{6}$/.test(obj.issuer)) {
    throw bad(`issuer '${obj.issuer}' is not a six-digit region code`);
  }
  let kid;
  try {
    kid = b64urlDecode(obj.kid);
  } catch {
    kid = new Uint8Array();
  }
  if (!kid.length || b64urlEncode(kid) !== obj.kid) throw bad(`kid '${obj.kid}' is not unpadded base64url`);
  const reasons = obj.reasons;
  if (!Array.isArray(reasons) || !reasons.every((r) => typeof r === "string")) throw bad("reasons must be a list of strings");
  if (obj.checkpoint !== null && typeof obj.checkpoint !== "string") throw bad("checkpoint must be a text or null");
  if (!reasons.length || reasons[0] !== "") throw bad('reasons must start with ""');
  if (new Set(reasons).size !== reasons.length || reasons.length > 256) throw bad("reasons must be distinct, at most 256");
  const header = {
    kind: obj.kind,
    issuer: obj.issuer,
    kid,
    kidText: obj.kid,
    as_of: obj.as_of,
    asOf: utcTime(obj.as_of, "as_of"),
    count: count(obj.count, "count"),
    total: count(obj.total, "total"),
    records_sha256: sha256Hex(obj.records_sha256, "records_sha256"),
    reasons,
    checkpoint: obj.checkpoint,
    logSize: obj.log_size ?? null,
  };
  if (obj.kind === "delta") {
    sha256Hex(obj.base_records_sha256, "base_records_sha256");
    utcTime(obj.base_as_of, "base_as_of");
  } else if (header.count !== header.total) {
    throw bad("a full snapshot's count must equal its total");
  }
  return header;
}

async function inflate(body, size) {
  const stream = new Blob([body]).stream().pipeThrough(new DecompressionStream("deflate"));
  const reader = stream.getReader();
  const out = new Uint8Array(size);
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > size) {
        await reader.cancel();
        throw bad("the body holds more records than the header says");
      }
      out.set(value, filled);
      filled += value.length;
    }
  } catch (error) {
    if (error instanceof SnapshotError) throw error;
    throw bad(`the body is not zlib data (${error.message}; truncated?)`);
  }
  if (filled !== size) throw bad(`the records block has ${filled} bytes, not ${size / RECORD} records`);
  return out;
}

function compare(bytes, a, b) {
  for (let i = 0; i < KEY; i++) {
    const d = bytes[a * KEY + i] - bytes[b * KEY + i];
    if (d) return d;
  }
  return 0;
}

/**
 * Read and check a full snapshot file against a checked trust list; throw SnapshotError.
 * Returns the header and a `find(key)` over the records (binary search).
 */
export async function parseSnapshot(bytes, trust) {
  if (bytes.length < PREFIX + SIGNATURE) throw bad(`${bytes.length} bytes: too short for a snapshot (truncated?)`);
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw bad("not a snapshot file (no CECS magic)");
  if (bytes[4] !== 1) throw bad(`snapshot format version ${bytes[4]} is not supported`);
  const hlen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(5);
  if (hlen > MAX_HEADER || PREFIX + hlen + SIGNATURE > bytes.length) {
    throw bad(`header length ${hlen} does not fit the file (truncated?)`);
  }
  const head = bytes.subarray(PREFIX, PREFIX + hlen);
  let obj;
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(head);
    obj = JSON.parse(text);
  } catch (error) {
    throw bad(`the header is not UTF-8 JSON: ${error.message}`);
  }
  const header = checkHeader(obj);
  if (canonicalJson(obj) !== text) throw bad("the header is not in canonical JSON");
  const signed = bytes.subarray(0, bytes.length - SIGNATURE);
  const signature = bytes.slice(bytes.length - SIGNATURE);
  // The signature before the body: nothing unsigned is decompressed (verifier/snapshot.py).
  const key = trust.key(header.kid);
  if (key === null) {
    throw new SnapshotError("snapshot_key", `signed by key ${header.kidText}, which is not in the trust list`);
  }
  if (!(await verifyEs256(key.publicKey, signature, signed))) {
    throw new SnapshotError(
      "snapshot_signature",
      `the signature does not verify with key ${header.kidText}: the file was altered or damaged after signing`,
    );
  }
  if (!key.validAt(header.asOf)) {
    throw new SnapshotError(
      "snapshot_key",
      `key ${header.kidText} was not valid at the snapshot's time ${header.as_of} (outside its window, or revoked)`,
    );
  }
  if (header.kind !== "full") {
    throw bad("this is a delta; the page needs the full snapshot (serve a full one as SNAPSHOT)");
  }
  const n = header.count;
  const block = await inflate(bytes.subarray(PREFIX + hlen, bytes.length - SIGNATURE), n * RECORD);
  const keys = block.subarray(0, n * KEY);
  const status = block.subarray(n * KEY, n * (KEY + 1));
  const reasons = block.subarray(n * (KEY + 1), n * (KEY + 2));
  const by = block.subarray(n * (KEY + 2), n * (KEY + 4));
  const days = block.subarray(n * (KEY + 4), n * (KEY + 6));
  for (let i = 1; i < n; i++) {
    if (compare(keys, i - 1, i) >= 0) throw bad("the records are not sorted by key, or a key appears twice");
  }
  const word = (column, i) => (column[2 * i] << 8) | column[2 * i + 1];
  for (let i = 0; i < n; i++) {
    if (status[i] > 2) throw bad("a record has an unknown status");
    if (reasons[i] >= header.reasons.length) throw bad("a record names a reason beyond the header's list");
    if (status[i] === 0 && (reasons[i] || word(by, i) || word(days, i))) {
      throw bad("a current record carries a reason, edition or date");
    }
  }
  if (toHex(await sha256(block)) !== header.records_sha256) {
    throw bad("the records do not match the header's records_sha256");
  }
  return {
    header,
    size: n,
    /** The record for an 8-byte key, or null. */
    find(wanted) {
      let lo = 0;
      let hi = n - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        let d = 0;
        for (let i = 0; i < KEY && d === 0; i++) d = keys[mid * KEY + i] - wanted[i];
        if (d === 0) {
          return {
            status: ["current", "superseded", "revoked"][status[mid]],
            reason: header.reasons[reasons[mid]],
            by: word(by, mid),
            day: word(days, mid),
          };
        }
        if (d < 0) lo = mid + 1;
        else hi = mid - 1;
      }
      return null;
    },
  };
}

/** The record key of a QR text: SHA-256("cecert-snapshot-v1\0" + text)[:8]. */
export async function snapshotKey(text) {
  const raw = new TextEncoder().encode(text);
  const data = new Uint8Array(DOMAIN.length + raw.length);
  data.set(DOMAIN);
  data.set(raw, DOMAIN.length);
  return (await sha256(data)).slice(0, KEY);
}
