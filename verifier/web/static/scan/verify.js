// Verifying a QR text in the page: the checks of verifier/service.py Verifier.verify_text,
// in the same order, with the same names, reason codes and verdict rule
// (docs/verification.md): payload.format, payload.signature, payload.key_validity, then on
// authenticated claims only registry.status; and, apart from the verdict, the hours
// judgement of verifier/hours.py (met, not_met, unknown) on authenticated claims only.
//
// Security: claims are put in the report only after the signature and the key validity
// passed; "could not check" (no snapshot, a stale one) is `unknown`, never `passed`.

import { PayloadError, decodePayload, sigStructure } from "./payload.js";
import { snapshotKey } from "./snapshot.js";
import { chinaDate, verifyEs256 } from "./trust.js";

const DAY = 86400000;
const CATEGORIES = ["public", "professional", "elective"];

const passed = (name, detail) => ({ name, status: "passed", detail });
const failed = (name, reason, detail) => ({ name, status: "failed", detail, reason });
const unknown = (name, reason, detail) => ({ name, status: "unknown", detail, reason });

/** `4320` minutes → "72", `90` → "1.5" (registry.model.format_hours). */
export function formatHours(minutes) {
  return (minutes / 60).toFixed(2).replace(/0+$/, "").replace(/\.$/, "");
}

/** The verdict rule of verifier.report.VerificationReport. */
export function verdictOf(checks) {
  if (!checks.length) return "indeterminate";
  if (checks.some((c) => c.status === "failed")) return "invalid";
  if (checks.some((c) => c.status === "unknown")) return "indeterminate";
  return "valid";
}

const KINDS_ZH = { original: "首次颁发", renewal: "续办", reissue: "补办", correction: "更正" };
const LEVELS_ZH = { junior: "初级", intermediate: "中级", senior: "高级" };
const HOURS_ZH = { met: "学时达标", not_met: "学时未达标", unknown: "学时无法判断" };

/** The Chinese of a report (VerificationReport.to_json()["zh"]), from the served words. */
function reportZh(verdict, checks, hours, words) {
  const problems = checks
    .filter((c) => c.status !== "passed")
    .map((c) => {
      const [problem, meaning] = words.reasons_zh[c.reason] ?? words.unlisted_zh;
      return { check: words.checks_zh[c.name] ?? "其他核查项目", problem, meaning };
    });
  let summary;
  if (verdict === "valid") {
    summary = hours ? `证书真实有效 · ${HOURS_ZH[hours.status]}` : "证书真实有效";
  } else {
    const head = verdict === "invalid" ? "证书无效" : "无法核验";
    summary = problems.length ? `${head}：${problems[0].problem}` : head;
  }
  const first = checks.find((c) => c.status !== "passed");
  const noCertificate =
    verdict === "indeterminate" && first && words.no_certificate_reasons.includes(first.reason);
  const nextStep = words.next_step_zh[noCertificate ? "no_certificate" : verdict];
  return { verdict: words.verdicts_zh[verdict], summary, next_step: nextStep, problems };
}

export function report(checks, claims, at, context) {
  let snapshot = null;
  if (context.snapshot) {
    snapshot = snapshotAge(context.snapshot.header, at, context.maxAgeDays);
    delete snapshot.describe; // the JSON of SnapshotAge has no text
  }
  const verdict = verdictOf(checks);
  const hours = claims ? hoursJudgement(claims, context.policies) : null;
  return {
    verdict,
    reasons: checks.filter((c) => c.reason).map((c) => c.reason),
    checks,
    certificate: claims ? claimsView(claims, context.policies) : null,
    hours,
    verified_at: new Date(at).toISOString().replace(/\.\d{3}Z$/, "+00:00"),
    snapshot,
    zh: reportZh(verdict, checks, hours, context.policies),
  };
}

function claimsView(c, words) {
  return {
    number: c.number,
    edition: c.edition,
    kind: c.kind,
    year: c.year,
    name: c.name,
    masked_id: c.masked_id,
    title_level: c.title_level,
    hours: {
      public: formatHours(c.hours[0]),
      professional: formatHours(c.hours[1]),
      elective: formatHours(c.hours[2]),
      total: formatHours(c.hours[3]),
    },
    policy_id: c.policy_id,
    issuer: c.issuer,
    issued_on: c.issued_on,
    kind_zh: KINDS_ZH[c.kind],
    title_level_zh: LEVELS_ZH[c.title_level],
    policy_title_zh: words.policies[c.policy_id]?.title_zh ?? null,
    issuer_name: words.bureaus[c.issuer] ?? null,
  };
}

/** keys.signatures.LOW_S_REQUIRED_FROM as a China date: codes issued from it must be low-S. */
const LOW_S_REQUIRED_ON = "2026-12-06";
/** Half the order of P-256: a low-S signature's s is at most this (keys.signatures.is_low_s). */
const HALF_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n;

function isLowS(signature) {
  let s = 0n;
  for (const byte of signature.slice(32, 64)) s = (s << 8n) | BigInt(byte);
  return s <= HALF_ORDER;
}

/** Steps 1-12 of docs/qr-payload.md; returns [checks, authentic payload or null]. */
async function authenticate(text, trust, at) {
  const checks = [];
  let signed;
  try {
    signed = decodePayload(text);
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    // Not a cecert code at all: no certificate to judge ("could not verify"), as in Python.
    const make = error.reason === "bad_prefix" ? unknown : failed;
    checks.push(make("payload.format", error.reason, error.message));
    return [checks, null];
  }
  checks.push(passed("payload.format", "CEC1 COSE_Sign1 payload, well-formed"));
  const { message, claims } = signed;
  const key = trust.key(message.kid);
  if (key === null) {
    const shown = btoa(String.fromCharCode(...message.kid)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    checks.push(failed("payload.signature", "unknown_kid", `key id ${shown} is not in the trust list`));
    return [checks, null];
  }
  const ok = await verifyEs256(key.publicKey, message.signature, sigStructure(message.protected, message.payload));
  if (!ok) {
    checks.push(
      failed(
        "payload.signature",
        "bad_signature",
        `the signature does not verify with key ${key.kidText}: content was altered or signed by someone else`,
      ),
    );
    return [checks, null];
  }
  if (claims.issued_on >= LOW_S_REQUIRED_ON && !isLowS(message.signature)) {
    checks.push(
      failed(
        "payload.signature",
        "signature_not_low_s",
        `the signature verifies with key ${key.kidText}, but in its high-S form, which the issuer ` +
          `has not written since ${LOW_S_REQUIRED_ON} (China time): this code, issued on ` +
          `${claims.issued_on}, was re-encoded after signing`,
      ),
    );
    return [checks, null];
  }
  checks.push(passed("payload.signature", `ES256 signature by key ${key.kidText}`));
  if (claims.issued_on > chinaDate(at)) {
    checks.push(
      failed("payload.key_validity", "issued_in_future", `issue date ${claims.issued_on} is after the verification time`),
    );
    return [checks, null];
  }
  if (!key.validOn(claims.issued_on)) {
    const first = chinaDate(key.notBefore);
    const last = chinaDate(key.notAfter);
    if (key.revokedFrom !== null && first <= claims.issued_on && claims.issued_on <= last) {
      checks.push(
        failed(
          "payload.key_validity",
          "key_revoked",
          `key ${key.kidText} was revoked from ${chinaDate(key.revokedFrom)} ` +
            `(${key.revocationReason || "no reason given"}); the payload is dated ${claims.issued_on}`,
        ),
      );
      return [checks, null];
    }
    checks.push(
      failed(
        "payload.key_validity",
        "key_not_valid_at_issue",
        `key ${key.kidText} was valid ${first} to ${last} (China time), not on the issue date ${claims.issued_on}`,
      ),
    );
    return [checks, null];
  }
  checks.push(passed("payload.key_validity", `key ${key.kidText} was valid on ${claims.issued_on}`));
  return [checks, { text: signed.text, claims, key }];
}

const CATEGORY_ZH = { public: "公需科目", professional: "专业科目", elective: "选修科目", total: "合计" };

function unknownHours(base, reason, detail, detailZh) {
  return {
    ...base,
    status: "unknown",
    required: {},
    shortfalls: [],
    reason,
    detail,
    detail_zh: `无法按政策 ${base.policy} 判断学时：${detailZh}`,
    clause: null,
  };
}

/**
 * verifier.hours.judge_hours against the served minimums (offline.policy_minimums): the
 * second judgement, apart from the verdict. Same statuses, reasons, figures and clause.
 */
export function hoursJudgement(claims, policies) {
  const base = { policy: claims.policy_id, level: claims.title_level, year: claims.year };
  const policy = policies.policies[claims.policy_id];
  if (policy === undefined) {
    const known = Object.keys(policies.policies).sort().join(", ");
    return unknownHours(
      base,
      "unknown_policy",
      `no policy '${claims.policy_id}' (known: ${known})`,
      `没有政策 ${claims.policy_id}`,
    );
  }
  const year = claims.year;
  if (year < policy.from_year || (policy.until_year !== null && year > policy.until_year)) {
    return unknownHours(
      base,
      "policy_not_in_force",
      `policy ${claims.policy_id} is not in force in ${year}`,
      `政策 ${claims.policy_id}（${policy.title_zh}）${year}年度不在施行期内`,
    );
  }
  const period = policy.periods.find(
    (p) => p.from_year <= year && (p.until_year === null || year <= p.until_year),
  );
  const level = period?.levels.find((l) => l.level === claims.title_level);
  if (level === undefined) {
    return unknownHours(
      base,
      "not_annual",
      `policy ${claims.policy_id} has no annual requirement for ${year}`,
      `政策 ${claims.policy_id} 没有${year}年度的年度学时要求`,
    );
  }
  const gaps = [];
  for (const [category, required] of level.categories) {
    const stated = claims.hours[CATEGORIES.indexOf(category)];
    if (stated < required) gaps.push({ category, stated, required });
  }
  if (claims.hours[3] < level.total) gaps.push({ category: "total", stated: claims.hours[3], required: level.total });
  const required = Object.fromEntries([...level.categories.map(([c, m]) => [c, formatHours(m)]), ["total", formatHours(level.total)]]);
  const judged = { ...base, required, clause: level.clause };
  if (gaps.length) {
    const en = gaps.map((g) => `${g.category} ${formatHours(g.stated)}/${formatHours(g.required)} h`).join("; ");
    const zh = gaps.map((g) => `${CATEGORY_ZH[g.category]}${formatHours(g.stated)}学时，要求${formatHours(g.required)}学时`).join("；");
    return {
      ...judged,
      status: "not_met",
      shortfalls: gaps.map((g) => ({
        category: g.category,
        stated: formatHours(g.stated),
        required: formatHours(g.required),
        missing: formatHours(g.required - g.stated),
      })),
      reason: "hours_below_policy",
      detail: `${claims.policy_id}: ${en}`,
      detail_zh: `证书载明的学时未达到${policy.title_zh}（${claims.policy_id}）的要求：${zh}`,
    };
  }
  return {
    ...judged,
    status: "met",
    shortfalls: [],
    reason: null,
    detail: `${claims.policy_id}: ${formatHours(claims.hours[3])} h of ${formatHours(level.total)} h, every category met`,
    detail_zh:
      `证书载明合计${formatHours(claims.hours[3])}学时，达到${policy.title_zh}（${claims.policy_id}）` +
      `要求的${formatHours(level.total)}学时，各科目均达标`,
  };
}

function dayText(day) {
  return day ? new Date(day * DAY).toISOString().slice(0, 10) : "an unknown date";
}

/** verifier.report.CLOCK_SKEW: how far a snapshot may be dated after the verification time. */
const CLOCK_SKEW_SECONDS = 10 * 60;

/** verifier.report.SnapshotAge: the snapshot a verification used, and its age at `at`. */
export function snapshotAge(header, at, maxAgeDays) {
  const seconds = Math.trunc((at - header.asOf) / 1000);
  const days = Math.floor(Math.abs(seconds) / 86400);
  const hours = Math.floor((Math.abs(seconds) % 86400) / 3600);
  const text = `${days} days ${hours} hours`;
  const age = seconds >= 0 ? `${text} old` : `dated ${text} after the verification time`;
  return {
    as_of: header.as_of.replace("Z", "+00:00"),
    age_seconds: seconds,
    max_age_seconds: maxAgeDays * 86400,
    too_old: seconds > maxAgeDays * 86400,
    describe: `snapshot of ${header.as_of}, ${age}, at most ${maxAgeDays} days`,
  };
}

/** registry.status from the signed snapshot (verifier.snapshot.SnapshotStatus.status_check). */
export async function statusCheck(payload, status, at) {
  const { claims } = payload;
  const ident = `${claims.number} edition ${claims.edition}`;
  const snapshot = status.snapshot;
  if (!snapshot) {
    return unknown(
      "registry.status",
      "status_not_checked",
      "no registry or snapshot available: revocation and supersession were not checked",
    );
  }
  const header = snapshot.header;
  const age = snapshotAge(header, at, status.maxAgeDays);
  if (status.logBehind > 0) {
    // The server that has the registry says it changed after this snapshot was read: a
    // revocation may be missing from it. Only the page can meet this (docs/offline-page.md).
    return unknown(
      "registry.status",
      "snapshot_stale",
      `the registry changed ${status.logBehind} time(s) after the ${age.describe}: status not checked`,
    );
  }
  if (age.age_seconds < -CLOCK_SKEW_SECONDS) {
    return unknown(
      "registry.status",
      "snapshot_in_future",
      `${age.describe}: made with a clock that was ahead; status not judged`,
    );
  }
  if (age.too_old) {
    return unknown(
      "registry.status",
      "snapshot_too_old",
      `${age.describe}: too old to judge status; revocation and supersession were not checked`,
    );
  }
  if (claims.issuer !== header.issuer) {
    return unknown(
      "registry.status",
      "snapshot_other_issuer",
      `the snapshot covers region ${header.issuer}, ${ident} was issued by ${claims.issuer}: status not checked`,
    );
  }
  const record = snapshot.find(await snapshotKey(payload.text));
  if (record === null) {
    // A document issued on the snapshot's (China) day or later may simply be newer.
    if (claims.issued_on >= chinaDate(header.asOf)) {
      return unknown(
        "registry.status",
        "issued_after_snapshot",
        `${ident} was issued on ${claims.issued_on}, not before the ${age.describe}: status not checked`,
      );
    }
    return failed(
      "registry.status",
      "not_in_registry",
      `${ident} (this exact QR text) is not in the registry (${age.describe})`,
    );
  }
  const labels = status.policies.status_reasons_zh ?? {};
  if (record.status === "revoked") {
    let text = `revoked on ${dayText(record.day)}`;
    if (record.reason in labels) text += `: ${record.reason} (${labels[record.reason]})`;
    else if (record.reason) text += `: ${record.reason}`;
    return failed("registry.status", "revoked", `${ident} was ${text}`);
  }
  if (record.status === "superseded") {
    const edition = record.by ? `edition ${record.by}` : "a later edition";
    let text = `superseded by ${edition} on ${dayText(record.day)}`;
    if (record.reason in labels) text += ` (${labels[record.reason]}: ${record.reason})`;
    else if (record.reason) text += ` (${record.reason})`;
    return failed("registry.status", "superseded", `${ident} was ${text}`);
  }
  return passed("registry.status", `${ident} is current (${age.describe})`);
}

/**
 * Verify a QR text at the moment `at` (milliseconds since the epoch).
 * `context`: {trust (parseTrustList), policies (policies.json), snapshot (parseSnapshot or
 * null), maxAgeDays}. Returns the report in the JSON form of VerificationReport.to_json.
 */
export async function verifyText(text, context, at) {
  const [checks, payload] = await authenticate(text, context.trust, at);
  if (payload === null) return report(checks, null, at, context);
  checks.push(await statusCheck(payload, context, at));
  return report(checks, payload.claims, at, context);
}
