// The scanning page (/scan): camera, image file and pasted text in; verdict out, verified in
// the page with the trust list, snapshot and hours minimums the page (or its service
// worker's cache) holds. No network is needed once the page has been loaded once.
//
// Everything shown is set with textContent: the claims come from a QR code, never as HTML.

import { parseSnapshot } from "./snapshot.js";
import { parseTrustList } from "./trust.js";
import { verifyText } from "./verify.js";

const KINDS = { original: "首次颁发", renewal: "续办", reissue: "补办", correction: "更正" };
const LEVELS = { junior: "初级", intermediate: "中级", senior: "高级" };
const VERDICTS = { valid: "有效", invalid: "无效", indeterminate: "无法确定" };
const HOURS = { met: "达标", not_met: "未达标", unknown: "无法判断" };
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

/** Trust list, snapshot and policies, each checked; the snapshot may be absent or refused. */
async function loadContext({ trustBytes, snapshotBytes, policies, pin: rootPin, maxAge }) {
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
  return { trust, snapshot, snapshotError, policies, maxAgeDays: maxAge };
}

async function loadServed() {
  const [trustBytes, snapshotBytes, policiesBytes] = await Promise.all([
    fetchBytes("/offline/trust.json"),
    // No snapshot at hand (offline before one was ever cached): status stays unknown.
    fetchBytes("/offline/snapshot").catch(() => null),
    fetchBytes("/offline/policies.json"),
  ]);
  if (!trustBytes || !policiesBytes) throw new Error("trust list or policies missing");
  const policies = JSON.parse(new TextDecoder().decode(policiesBytes));
  return loadContext({ trustBytes, snapshotBytes, policies, pin, maxAge: maxAgeDays });
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

const ready = loadServed();

function showData(context) {
  const box = $("data");
  box.replaceChildren();
  const t = context.trust;
  box.append(element("p", `信任列表：${t.issuer}，签发于 ${t.issued_at}，根证书 SHA-256 ${t.signed_by}`));
  if (context.snapshot) {
    const h = context.snapshot.header;
    const days = Math.floor((Date.now() - h.asOf) / DAY);
    const stale = days > context.maxAgeDays ? `（已超过 ${context.maxAgeDays} 天，状态将显示为无法核验）` : "";
    box.append(element("p", `登记状态快照：截至 ${h.as_of}（${days} 天前），${context.snapshot.size} 条记录${stale}`));
  } else if (context.snapshotError) {
    box.append(element("p", `登记状态快照无效，已拒绝：${context.snapshotError.reason}`, "error"));
  } else {
    box.append(element("p", "无登记状态快照：无法核验撤销与取代状态，结果最多为“无法确定”。"));
  }
}

function row(table, label, value) {
  const tr = element("tr");
  tr.append(element("th", label), element("td", value));
  table.append(tr);
}

function showReport(report) {
  const out = $("result");
  out.replaceChildren();
  const verdict = element("section", undefined, `verdict verdict-${report.verdict}`);
  const h2 = element("h2", `验证结果：${VERDICTS[report.verdict]} `);
  h2.append(element("span", `(${report.verdict})`, "en"));
  verdict.append(h2);
  if (report.reasons.length) verdict.append(element("p", `原因：${report.reasons.join("，")}`));
  verdict.append(element("p", `核验时间 ${report.verified_at}（本机核验）`, "small"));
  out.append(verdict);
  if (report.hours) out.append(hoursBlock(report.hours));
  const c = report.certificate;
  if (c) {
    const card = element("section", undefined, "card");
    card.append(element("h2", "证书内容"));
    const table = element("table");
    row(table, "姓名", c.name);
    row(table, "身份证号", c.masked_id);
    row(table, "证书编号", `${c.number}（第 ${c.edition} 版，${KINDS[c.kind] ?? c.kind}）`);
    row(table, "年度", String(c.year));
    row(table, "职称级别", LEVELS[c.title_level] ?? c.title_level);
    row(table, "公需科目", `${c.hours.public} 学时`);
    row(table, "专业科目", `${c.hours.professional} 学时`);
    row(table, "选修科目", `${c.hours.elective} 学时`);
    row(table, "合计", `${c.hours.total} 学时`);
    row(table, "学时政策", c.policy_id);
    row(table, "发证机关代码", c.issuer);
    row(table, "发证日期", c.issued_on);
    card.append(table);
    out.append(card);
  }
  const card = element("section", undefined, "card");
  card.append(element("h2", "核验项目"));
  const table = element("table", undefined, "checks");
  const head = element("tr");
  head.append(element("th", "项目"), element("th", "结果"), element("th", "说明"));
  table.append(head);
  for (const check of report.checks) {
    const tr = element("tr", undefined, `check-${check.status}`);
    const outcome = OUTCOMES[check.status] + (check.reason ? ` [${check.reason}]` : "");
    tr.append(element("td", check.name), element("td", outcome), element("td", check.detail));
    table.append(tr);
  }
  card.append(table);
  out.append(card);
  out.scrollIntoView({ block: "start" });
}

/** The second answer, apart from the verdict: do the stated hours meet the policy? */
function hoursBlock(hours) {
  const box = element("section", undefined, `hours hours-${hours.status}`);
  box.append(element("h2", `学时判定：${HOURS[hours.status]}`));
  box.append(element("p", hours.detail_zh));
  if (hours.status !== "met") {
    box.append(element("p", "学时是否达标与证书真伪分开判断：学时未达标或无法判断，不表示证书是伪造的。", "small"));
  }
  return box;
}

function showError(message) {
  const out = $("result");
  out.replaceChildren(element("p", message, "error"));
}

async function verifyAndShow(text) {
  try {
    const context = await ready;
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
      showError("图片中未识别到二维码（no_qr_in_image）。请拍得更清晰、更正，或粘贴二维码内容。");
      return;
    }
    $("qr").value = text;
    await verifyAndShow(text);
  } catch {
    showError("无法读取该图片（unreadable_image）。");
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
    return verifyIn(await ready, text, atIso ? Date.parse(atIso) : Date.now());
  },
  async verifyWith({ trust, snapshot, pin: rootPin, maxAgeDays: maxAge, at, texts }) {
    const context = await loadContext({
      trustBytes: bytesOf(trust),
      snapshotBytes: bytesOf(snapshot),
      policies: (await ready).policies,
      pin: rootPin,
      maxAge,
    });
    const when = Date.parse(at);
    const reports = [];
    for (const text of texts) reports.push(await verifyIn(context, text, when));
    return reports;
  },
};
