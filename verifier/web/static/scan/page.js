// The scanning page (/scan): camera, image file and pasted text in; verdict out, verified in
// the page with the trust list, snapshot and hours minimums the page (or its service
// worker's cache) holds. No network is needed once the page has been loaded once.
//
// Everything shown is set with textContent: the claims come from a QR code, never as HTML.

import { parseSnapshot } from "./snapshot.js";
import { parseTrustList } from "./trust.js";
import { report as makeReport, verifyText } from "./verify.js";

const KINDS = { original: "首次颁发", renewal: "续办", reissue: "补办", correction: "更正" };
const LEVELS = { junior: "初级", intermediate: "中级", senior: "高级" };
const OUTCOMES = { passed: "通过", failed: "未通过", unknown: "无法核验" };
const DAY = 86400000;

const root = document.getElementById("scan");
const pin = root.dataset.rootSha256;
const maxAgeDays = Number(root.dataset.maxAgeDays) || 30;

function $(id) {
  return document.getElementById(id);
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The snapshot, and by how many events the server's registry has changed since it was
 * read (X-Cecert-Log-Behind; 0 when the server does not say). */
async function fetchSnapshot() {
  const response = await fetch("/offline/snapshot");
  if (response.status === 404) return [null, 0];
  if (!response.ok) throw new Error(`/offline/snapshot: HTTP ${response.status}`);
  const behind = Number(response.headers.get("X-Cecert-Log-Behind") ?? "0") || 0;
  return [new Uint8Array(await response.arrayBuffer()), behind];
}

/** Trust list, snapshot and policies, each checked; the snapshot may be absent or refused. */
async function loadContext({ trustBytes, snapshotBytes, policies, pin: rootPin, maxAge, logBehind = 0 }) {
  const trust = await parseTrustList(trustBytes, { pin: rootPin });
  let snapshot = null;
  let snapshotError = null;
  if (snapshotBytes) {
    try {
      snapshot = await parseSnapshot(snapshotBytes, trust);
    } catch (error) {
      snapshotError = error;
    }
  }
  return { trust, snapshot, snapshotError, policies, maxAgeDays: maxAge, logBehind };
}

async function loadServed() {
  const [trustBytes, [snapshotBytes, logBehind], policiesBytes] = await Promise.all([
    fetchBytes("/offline/trust.json"),
    // No snapshot at hand (offline before one was ever cached): status stays unknown.
    fetchSnapshot().catch(() => [null, 0]),
    fetchBytes("/offline/policies.json"),
  ]);
  if (!trustBytes || !policiesBytes) throw new Error("trust list or policies missing");
  const policies = JSON.parse(new TextDecoder().decode(policiesBytes));
  return loadContext({ trustBytes, snapshotBytes, policies, pin, maxAge: maxAgeDays, logBehind });
}

/** A refused snapshot leaves the status unknown, with the refusal's reason. */
async function verifyIn(context, text, at) {
  const report = await verifyText(text, context, at);
  const status = report.checks.find((c) => c.name === "registry.status");
  if (status && context.snapshotError && status.reason === "status_not_checked") {
    status.reason = context.snapshotError.reason;
    status.detail = `the snapshot was refused: ${context.snapshotError.message}`;
    report.reasons = report.checks.filter((c) => c.reason).map((c) => c.reason);
  }
  return report;
}

let ready = loadServed();
/** The served words (policies.json) once loaded: the technical section's check labels. */
let served = null;
ready.then((context) => {
  served = context.policies;
});

/** The newest trust list and snapshot before each verification: the service worker asks
 * the server first (a revocation or a key rotation shows at once when online) and falls
 * back to its cache offline. A failed reload keeps what the page had. */
async function fresh() {
  try {
    const next = loadServed();
    const context = await next;
    ready = next;
    served = context.policies;
    showData(context);
    return context;
  } catch {
    return ready;
  }
}

function showData(context) {
  const box = $("data");
  box.replaceChildren();
  const t = context.trust;
  box.append(element("p", `信任列表：${t.issuer}，签发于 ${beijing(t.issued_at)}`));
  if (context.snapshot) {
    const h = context.snapshot.header;
    const seconds = Math.floor((Date.now() - h.asOf) / 1000);
    const stale = seconds > context.maxAgeDays * 86400 ? `（已超过 ${context.maxAgeDays} 天，状态将显示为无法核验）` : "";
    box.append(element("p", `登记状态截至 ${beijing(h.as_of)}（${ago(seconds)}），${context.snapshot.size} 条记录${stale}`));
  } else if (context.snapshotError) {
    box.append(element("p", `登记状态快照无效，已拒绝（${context.snapshotError.reason}）。`, "error"));
  } else {
    box.append(element("p", "没有登记状态快照：无法核验撤销与取代状态，结果最多为“无法核验”。"));
  }
}

/** The verdict's icon, drawn as on the result page (templates/result.html): a tick, a
 * cross or a question mark in a round, square or dashed frame (never colour alone). */
const ICONS = {
  valid: [["polyline", { points: "6 12.5 10 16.5 18 7.5" }]],
  invalid: [
    ["line", { x1: "7.5", y1: "7.5", x2: "16.5", y2: "16.5" }],
    ["line", { x1: "16.5", y1: "7.5", x2: "7.5", y2: "16.5" }],
  ],
  indeterminate: [
    ["path", { d: "M9 9.2a3 3 0 1 1 4.2 2.8c-.8.4-1.2 1-1.2 1.8v.6" }],
    ["line", { x1: "12", y1: "17.6", x2: "12", y2: "17.7" }],
  ],
};
const SVG = "http://www.w3.org/2000/svg";

function verdictIcon(verdict) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "verdict-icon");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const [tag, attributes] of ICONS[verdict]) {
    const shape = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) shape.setAttribute(name, value);
    svg.append(shape);
  }
  return svg;
}
const HOURS_HEAD = { met: "达标", not_met: "未达标", unknown: "无法判断" };

/** An ISO time in Beijing time, to the minute: "2026-12-05 18:53（北京时间）". */
function beijing(iso) {
  const shifted = new Date(Date.parse(iso) + 8 * 3600 * 1000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 16)}（北京时间）`;
}

/** verifier.explanations.time_ago_zh */
function ago(seconds) {
  if (seconds < 0) return "晚于核验时间";
  if (seconds < 60) return "刚刚";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} 分钟前`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} 小时前`;
  return `${Math.floor(seconds / 86400)} 天前`;
}

function field(list, label, value) {
  const div = element("div");
  div.append(element("dt", label), element("dd", value));
  list.append(div);
}

/** The same blocks as the result page (templates/result.html), built with textContent. */
function showReport(report) {
  const out = $("result");
  out.replaceChildren();
  const c = report.certificate;
  const verdict = element("section", undefined, `verdict verdict-${report.verdict}`);
  verdict.setAttribute("role", "status");
  const icon = verdictIcon(report.verdict);
  const text = element("div", undefined, "verdict-text");
  text.append(element("h2", `验证结果：${report.zh.verdict}`), element("p", report.zh.summary, "summary"));
  if (c) text.append(element("p", `${c.name} · ${c.year}年度 · 合计 ${c.hours.total} 学时`, "holder"));
  text.append(element("p", `核验时间 ${beijing(report.verified_at)}（本机核验）`, "small"));
  if (report.snapshot) {
    const s = report.snapshot;
    const stale = s.too_old ? `，已超过 ${Math.floor(s.max_age_seconds / 86400)} 天，状态无法核验` : "";
    text.append(element("p", `登记状态截至 ${beijing(s.as_of)}（${ago(s.age_seconds)}）${stale}`, "small snapshot-age"));
  } else {
    text.append(element("p", "本机没有登记状态快照：无法确认是否已撤销。", "small snapshot-age"));
  }
  verdict.append(icon, text);
  out.append(verdict);
  if (report.hours) out.append(hoursBlock(report.hours));
  if (report.zh.problems.length) {
    const card = element("section", undefined, "card problems");
    card.append(element("h2", report.verdict === "indeterminate" ? "为什么无法核验" : "为什么无效"));
    const list = element("ul");
    for (const p of report.zh.problems) {
      const li = element("li");
      li.append(element("strong", p.problem), document.createTextNode(`：${p.meaning}`));
      list.append(li);
    }
    card.append(list, element("p", report.zh.next_step, "next-step"));
    out.append(card);
  }
  if (c) {
    const card = element("section", undefined, "card");
    card.append(element("h2", "证书内容"));
    const list = element("dl", undefined, "fields");
    field(list, "姓名", c.name);
    field(list, "身份证号", c.masked_id);
    field(list, "证书编号", `${c.number}（第 ${c.edition} 版，${c.kind_zh}）`);
    field(list, "年度", String(c.year));
    field(list, "职称级别", c.title_level_zh);
    field(list, "学时", `公需科目 ${c.hours.public} · 专业科目 ${c.hours.professional} · 选修科目 ${c.hours.elective} · 合计 ${c.hours.total}`);
    field(list, "学时要求", c.policy_title_zh ?? "（本验证页面不认识该政策）");
    field(list, "发证机关", `${c.issuer_name ?? "（信任列表中没有该机关的印章）"}（行政区划 ${c.issuer}）`);
    field(list, "发证日期", c.issued_on);
    card.append(list);
    out.append(card);
  }
  out.append(technical(report));
  out.scrollIntoView({ block: "start" });
}

/** The second answer, apart from the verdict: do the stated hours meet the policy? */
function hoursBlock(hours) {
  const box = element("section", undefined, `hours hours-${hours.status}`);
  box.append(element("h2", `学时判定：${HOURS_HEAD[hours.status]}`));
  box.append(element("p", hours.detail_zh));
  if (hours.status !== "met") {
    box.append(element("p", "学时是否达标与证书真伪分开判断：学时未达标或无法判断，不表示证书是伪造的。", "small"));
  }
  return box;
}

/** The machine words, folded away: for whoever needs to check them. */
function technical(report) {
  const details = element("details", undefined, "card technical");
  details.append(element("summary", "技术详情（供技术人员核对）"));
  const head = element("p", undefined, "small");
  head.append(document.createTextNode("verdict: "), element("code", report.verdict));
  if (report.reasons.length) {
    head.append(document.createTextNode("; reasons: "), element("code", report.reasons.join(", ")));
  }
  details.append(head);
  const list = element("ul", undefined, "checks");
  for (const check of report.checks) {
    const li = element("li", undefined, `check-${check.status}`);
    const label = served?.checks_zh?.[check.name] ?? "其他核查项目";
    li.append(element("span", `${label}：${OUTCOMES[check.status]}`, "check-zh"), element("code", check.name));
    if (check.reason) li.append(document.createTextNode(" "), element("code", `[${check.reason}]`));
    li.append(element("span", check.detail, "detail"));
    list.append(li);
  }
  details.append(list);
  return details;
}

function showError(message) {
  const out = $("result");
  out.replaceChildren(element("p", message, "error"));
}

/** A photo with no certificate in it: "could not verify", never a forgery (as in Python). */
async function showNoCertificate(reason, detail) {
  try {
    const context = await fresh();
    const check = { name: "image.qr", status: "unknown", detail, reason };
    showReport(makeReport([check], null, Date.now(), context));
  } catch (error) {
    showError(`无法验证：${error.message}`);
  }
}

async function verifyAndShow(text) {
  try {
    const context = await fresh();
    showReport(await verifyIn(context, text, Date.now()));
  } catch (error) {
    showError(`无法验证：${error.reason ?? ""} ${error.message}`);
  }
}

// ---- QR decoding (jsQR, vendored) -------------------------------------------------------

const canvas = document.createElement("canvas");
const drawing = canvas.getContext("2d", { willReadFrequently: true });

function decodeFrame(source, width, height, scale) {
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  canvas.width = w;
  canvas.height = h;
  drawing.drawImage(source, 0, 0, w, h);
  const image = drawing.getImageData(0, 0, w, h);
  const code = globalThis.jsQR(image.data, w, h, { inversionAttempts: "attemptBoth" });
  return code ? code.data : null;
}

/** The QR text in an image file, or null; tries a few scales (large photos, small codes). */
export async function decodeImage(blob) {
  const bitmap = await createImageBitmap(blob);
  try {
    const longest = Math.max(bitmap.width, bitmap.height);
    const scales = [Math.min(1, 2000 / longest), Math.min(1, 1000 / longest), Math.min(1, 600 / longest)];
    for (const scale of [...new Set(scales)]) {
      const text = decodeFrame(bitmap, bitmap.width, bitmap.height, scale);
      if (text) return text;
    }
    return null;
  } finally {
    bitmap.close();
  }
}

let stream = null;

function stopCamera() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  $("video").hidden = true;
  $("camera").textContent = "打开摄像头扫码";
}

async function startCamera() {
  const video = $("video");
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (error) {
    showError(`无法打开摄像头：${error.name}。可改用图片或粘贴二维码内容。`);
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  $("camera").textContent = "停止扫码";
  await video.play();
  const tick = () => {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const scale = Math.min(1, 1000 / Math.max(video.videoWidth, video.videoHeight));
      const text = decodeFrame(video, video.videoWidth, video.videoHeight, scale);
      if (text) {
        stopCamera();
        $("qr").value = text;
        verifyAndShow(text);
        return;
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

$("camera").addEventListener("click", () => (stream ? stopCamera() : startCamera()));
$("file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  try {
    const text = await decodeImage(file);
    if (text === null) {
      await showNoCertificate("no_qr_in_image", "no QR code found in the image");
      return;
    }
    $("qr").value = text;
    await verifyAndShow(text);
  } catch {
    await showNoCertificate("unreadable_image", "not a readable image");
  }
});
$("paste").addEventListener("submit", (event) => {
  event.preventDefault();
  verifyAndShow($("qr").value);
});

// ---- offline: service worker -------------------------------------------------------------

async function askWorker(message) {
  const registration = await navigator.serviceWorker.ready;
  const worker = registration.active;
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    worker.postMessage(message, [channel.port2]);
  });
}

/** True when the service worker is active and holds everything the page needs offline. */
async function offlineReady() {
  if (!("serviceWorker" in navigator)) return false;
  const answer = await askWorker({ type: "missing" });
  return Array.isArray(answer.missing) && answer.missing.length === 0;
}

async function showOffline() {
  const line = $("offline");
  if (!("serviceWorker" in navigator)) {
    line.textContent = "此浏览器不支持离线使用（无 Service Worker）。";
    return;
  }
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    for (let i = 0; i < 50 && !(await offlineReady()); i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    line.textContent = (await offlineReady())
      ? "已可离线使用：断网后重新打开本页仍可扫码验证。"
      : "离线缓存未完成，请联网后重新打开本页。";
  } catch (error) {
    line.textContent = `离线缓存不可用：${error.message}`;
  }
}

ready.then(showData, (error) => {
  $("data").replaceChildren(
    element("p", `无法载入信任列表，不能验证：${error.reason ?? ""} ${error.message}`, "error"),
  );
});
showOffline();

function bytesOf(base64) {
  return base64 ? Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)) : null;
}

// For tests and for people who want to check the page: the same verifier, with an explicit
// time and, for published vectors, an explicit trust list and snapshot.
window.cecertScan = {
  ready: ready.then(() => true),
  offlineReady,
  decodeImage,
  async verify(text, atIso) {
    return verifyIn(await fresh(), text, atIso ? Date.parse(atIso) : Date.now());
  },
  async verifyWith({ trust, snapshot, pin: rootPin, maxAgeDays: maxAge, at, texts, bureaus }) {
    // The bureaus' names belong to the trust list verified with: the served ones name the
    // server's own; a caller with another trust list gives that list's.
    const served = (await ready).policies;
    const context = await loadContext({
      trustBytes: bytesOf(trust),
      snapshotBytes: bytesOf(snapshot),
      policies: bureaus ? { ...served, bureaus } : served,
      pin: rootPin,
      maxAge,
    });
    const when = Date.parse(at);
    const reports = [];
    for (const text of texts) reports.push(await verifyIn(context, text, when));
    return reports;
  },
};
