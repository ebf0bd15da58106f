// The trust list, version 2 (docs/trust-list.md), checked in the page: the root signature
// over the canonical JSON, by the root certificate the page is pinned to, and every QR key.
// A list that fails any check is refused as a whole, as keys.parse_trust_list does.

import { toHex } from "./payload.js";

export const FORMAT = "cecert-trust-list";
export const VERSION = 2;
const TOP = ["format", "version", "issuer", "issued_at", "roots", "seals", "timestamping", "keys", "signature"];
const KEY_REQUIRED = ["kid", "alg", "public_key_pem", "not_before", "not_after"];
const KEY_OPTIONAL = ["revoked_from", "revocation_reason"];
const SEAL_REQUIRED = ["certificate"];
const SEAL_OPTIONAL = ["not_after", "revoked_from", "revocation_reason"];
const DAY = 86400000;
const CHINA = 8 * 3600000;

/** A refused trust list; `reason` as in docs/errors.md. */
export class TrustError extends Error {
  constructor(reason, detail) {
    super(detail);
    this.reason = reason;
  }
}

/** The signed form: members sorted at every level, no white space, UTF-8. */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Milliseconds of an ISO 8601 time with a zone; null when it is not one. */
export function parseTime(text) {
  if (typeof text !== "string") return null;
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const ms = ok ? Date.parse(text) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

/** The China-time (UTC+8) calendar date of a moment, as YYYY-MM-DD. */
export function chinaDate(ms) {
  return new Date(ms + CHINA).toISOString().slice(0, 10);
}

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
export function dayNumber(isoDate) {
  return Math.round(Date.parse(`${isoDate}T00:00:00Z`) / DAY);
}

export function b64urlDecode(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new Error("not base64url");
  }
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export function b64urlEncode(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function pemBody(pem, label) {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match) throw new Error(`not a PEM ${label}`);
  return Uint8Array.from(atob(match[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
}

// A DER element: [tag, start of content, end of content]; enough to walk a certificate.
function derElement(bytes, pos) {
  if (pos + 2 > bytes.length) throw new Error("DER: truncated");
  const tag = bytes[pos];
  let length = bytes[pos + 1];
  let start = pos + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > bytes.length) throw new Error("DER: bad length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i];
    start += count;
  }
  if (start + length > bytes.length) throw new Error("DER: truncated");
  return { tag, pos, start, end: start + length, next: start + length };
}

/** The DER SubjectPublicKeyInfo of an X.509 certificate (RFC 5280, section 4.1). */
export function certificateSpki(der) {
  const certificate = derElement(der, 0);
  if (certificate.tag !== 0x30 || certificate.end !== der.length) throw new Error("not a certificate");
  const tbs = derElement(der, certificate.start);
  if (tbs.tag !== 0x30) throw new Error("not a certificate");
  let item = derElement(der, tbs.start);
  if (item.tag === 0xa0) item = derElement(der, item.next); // version [0]
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
  const tags = [0x02, 0x30, 0x30, 0x30, 0x30];
  for (const tag of tags) {
    if (item.tag !== tag) throw new Error("unexpected certificate layout");
    item = derElement(der, item.next);
  }
  if (item.tag !== 0x30) throw new Error("no SubjectPublicKeyInfo");
  return der.slice(item.pos, item.end);
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

export async function importP256(spki) {
  return crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
}

/** ES256 over `data` with a raw 64-byte r‖s signature (WebCrypto's own form). */
export async function verifyEs256(key, signature, data) {
  if (signature.length !== 64) return false;
  return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, data);
}

// JSON numbers with a fraction or an exponent are refused, as the Python reader does.
function hasFraction(text) {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if ((c === "." || c === "e" || c === "E") && /[0-9]/.test(text[i - 1] ?? "")) return true;
  }
  return false;
}

function members(item, required, optional, where) {
  const names = item !== null && typeof item === "object" && !Array.isArray(item) ? Object.keys(item) : null;
  const ok =
    names !== null &&
    required.every((n) => names.includes(n)) &&
    names.every((n) => required.includes(n) || optional.includes(n));
  if (!ok) throw new TrustError("bad_trust_list", `${where}: expected ${required.join(", ")} and optionally ${optional.join(", ")}`);
  if (!names.every((n) => typeof item[n] === "string")) {
    throw new TrustError("bad_trust_list", `${where}: every member must be a string`);
  }
}

function time(text, where) {
  const ms = parseTime(text);
  if (ms === null) throw new TrustError("bad_trust_list", `${where}: '${text}' is not an ISO 8601 time with a zone`);
  return ms;
}

/**
 * Parse a trust list and check its root signature; throw TrustError.
 * `pin` (hex SHA-256 of the root certificate) is required: the page is pinned to the root
 * the server was configured with, so a substitute list is refused (trust_list_pin).
 */
export async function parseTrustList(bytes, { pin }) {
  let text;
  let obj;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    obj = JSON.parse(text);
  } catch (error) {
    throw new TrustError("bad_trust_list", `trust list is not UTF-8 JSON: ${error.message}`);
  }
  if (hasFraction(text)) throw new TrustError("bad_trust_list", "numbers with fractions are not allowed");
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    throw new TrustError("bad_trust_list", "trust list must be a JSON object");
  }
  const unknown = Object.keys(obj).filter((k) => !TOP.includes(k));
  if (unknown.length) throw new TrustError("bad_trust_list", `unknown members: ${unknown.sort().join(", ")}`);
  if (obj.format !== FORMAT || obj.version !== VERSION) {
    throw new TrustError("bad_trust_list", `not a ${FORMAT} version ${VERSION} file (export it again with this cecert)`);
  }
  const { signature, ...body } = obj;
  if (signature === null || typeof signature !== "object" || Array.isArray(signature)) {
    throw new TrustError("trust_list_signature", "trust list is not signed");
  }
  for (const name of ["roots", "seals", "timestamping", "keys", "issued_at", "issuer"]) {
    if (!(name in body)) throw new TrustError("bad_trust_list", `missing or malformed member: '${name}'`);
  }
  if (!Array.isArray(body.roots) || !Array.isArray(body.keys) || !Array.isArray(body.seals)) {
    throw new TrustError("bad_trust_list", "roots, seals and keys must be lists");
  }
  time(body.issued_at, "issued_at");
  const roots = [];
  for (const pem of body.roots) {
    try {
      const der = pemBody(pem, "CERTIFICATE");
      roots.push({ der, sha256: toHex(await sha256(der)) });
    } catch {
      throw new TrustError("bad_certificate", "roots: a certificate is unreadable");
    }
  }
  const signer = roots.find((r) => r.sha256 === signature.root_sha256);
  if (signature.alg !== "ES256" || signer === undefined) {
    throw new TrustError("trust_list_signature", "trust list signature names no root in the list");
  }
  let value;
  let rootKey;
  try {
    value = b64urlDecode(String(signature.value ?? ""));
  } catch {
    throw new TrustError("trust_list_signature", "trust list signature is not base64url");
  }
  try {
    rootKey = await importP256(certificateSpki(signer.der));
  } catch {
    throw new TrustError("trust_list_signature", "the signing root has no readable P-256 key");
  }
  const signed = new TextEncoder().encode(canonicalJson(body));
  if (!(await verifyEs256(rootKey, value, signed))) {
    throw new TrustError("trust_list_signature", "trust list signature does not verify");
  }
  if (pin && pin.toLowerCase().replace(/:/g, "") !== signer.sha256) {
    throw new TrustError("trust_list_pin", `trust list is signed by root ${signer.sha256}, not the pinned root ${pin}`);
  }
  const keys = [];
  for (const [index, item] of body.keys.entries()) keys.push(await parseKey(item, index));
  body.seals.forEach((item, index) => members(item, SEAL_REQUIRED, SEAL_OPTIONAL, `seals[${index}]`));
  return {
    issuer: String(body.issuer),
    issued_at: body.issued_at,
    signed_by: signer.sha256,
    keys,
    key(kid) {
      const hex = toHex(kid);
      return keys.find((k) => k.kidHex === hex) ?? null;
    },
  };
}

async function parseKey(item, index) {
  const where = `keys[${index}]`;
  members(item, KEY_REQUIRED, KEY_OPTIONAL, where);
  if (item.alg !== "ES256") throw new TrustError("bad_trust_list", `${where}: unsupported alg '${item.alg}'`);
  let spki;
  let kid;
  let publicKey;
  try {
    spki = pemBody(item.public_key_pem, "PUBLIC KEY");
    kid = b64urlDecode(item.kid);
    publicKey = await importP256(spki);
  } catch {
    throw new TrustError("bad_trust_list", `${where}: unreadable kid or public key`);
  }
  if (toHex(kid) !== toHex((await sha256(spki)).slice(0, 8))) {
    throw new TrustError("bad_trust_list", `${where}: kid does not match the public key`);
  }
  const notBefore = time(item.not_before, `${where}.not_before`);
  const notAfter = time(item.not_after, `${where}.not_after`);
  const revokedFrom = "revoked_from" in item ? time(item.revoked_from, `${where}.revoked_from`) : null;
  return {
    kid,
    kidHex: toHex(kid),
    kidText: b64urlEncode(kid),
    publicKey,
    notBefore,
    notAfter,
    revokedFrom,
    revocationReason: item.revocation_reason ?? null,
    /** The moment rule (QrKey.valid_at): a signature made at `ms` may be accepted. */
    validAt(ms) {
      if (revokedFrom !== null && ms >= revokedFrom) return false;
      return notBefore <= ms && ms <= notAfter;
    },
    /** The date rule (QrKey.valid_on) for a payload dated `day` (China time). */
    validOn(day) {
      if (revokedFrom !== null && day >= chinaDate(revokedFrom)) return false;
      return chinaDate(notBefore) <= day && day <= chinaDate(notAfter);
    },
  };
}

