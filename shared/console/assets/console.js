// The Switchboard admin console: one page, routed by the URL's hash (#/overview,
// #/leads, #/lead/<id>, #/triage, #/reps, #/fairness, #/policy, #/outcomes, #/shadow).
// Every request goes to the documented admin API on this origin with the token the person
// signed in with, kept in sessionStorage so it dies with the tab: a pasted token, or the ID
// token of the user pool the runtime names in config.json (authorization code flow with
// PKCE). Each view is one `view*` function below.
//
// Pages are built with `el()` (text nodes, never innerHTML), so lead data cannot inject
// markup. Change controls carry `data-change`; for a viewer they are disabled, and the
// API's own 403 is still shown if one gets through.

const API = "/v1/admin";
const TOKEN_KEY = "switchboard.console.token";
// A sign-in to the user pool under way: the PKCE verifier, the state and where to go back.
const PENDING_KEY = "switchboard.console.pending";
// Set when the token came from the user pool, so signing out also ends the pool's session.
const VIA_POOL_KEY = "switchboard.console.via-pool";
const main = document.getElementById("main");
const notice = document.getElementById("notice");

let me = null; // { id, role } from GET /me

// ---- the API --------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { title: text };
  }
  if (!response.ok) throw new ApiError(response.status, data || {});
  return data;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

// ---- building pages -------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

const isAdmin = () => me && me.role === "admin";

// A control that changes something: usable by an admin only.
function change(node) {
  node.dataset.change = "";
  if (!isAdmin()) {
    node.disabled = true;
    node.title = "Needs an admin; you are signed in as a viewer";
  }
  return node;
}

function table(headers, rows, caption) {
  return el(
    "table",
    {},
    caption ? el("caption", { class: "sr-only" }, caption) : null,
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", class: h.num ? "num" : null }, h.label || h)))),
    el("tbody", {}, rows),
  );
}

function show(kind, message) {
  notice.hidden = false;
  notice.className = `notice ${kind}`;
  notice.setAttribute("role", kind === "error" ? "alert" : "status");
  notice.textContent = message;
}

function clearNotice() {
  notice.hidden = true;
  notice.textContent = "";
}

// What a refusal means to a person, with the API's own words.
function describe(e) {
  if (!(e instanceof ApiError)) return `Could not reach the API: ${e.message}`;
  const p = e.problem;
  const fields = (p.errors || []).map((f) => `${f.field}: ${f.message}`).join("; ");
  if (e.status === 403) return `Not allowed (403): ${p.detail || "this needs an admin"}.`;
  if (e.status === 401) return `Signed out (401): ${p.detail || "the token was not accepted"}.`;
  return `${p.title || "Error"} (${e.status}): ${p.detail || ""}${fields ? ` — ${fields}` : ""}`;
}

function fail(e) {
  show("error", describe(e));
  if (e instanceof ApiError && e.status === 401) signOut(false);
}

const fmtTime = (t) => (t ? new Date(t).toLocaleString() : "—");
const fmtPct = (p) => (p === null || p === undefined ? "—" : `${p.toFixed(1)} %`);
const fmtMs = (ms) => (ms === null || ms === undefined ? "—" : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const cap = (n, max) => (max === null || max === undefined ? `${n}` : `${n} of ${max}`);

function bar(value, max, label) {
  if (max === null || max === undefined) return el("span", {}, `${value} (no cap)`);
  const ratio = max > 0 ? Math.min(1, value / max) : 1;
  return el(
    "span",
    {},
    el(
      "span",
      { class: ratio >= 1 ? "bar full" : "bar", role: "img", "aria-label": `${label}: ${value} of ${max}` },
      el("span", { "data-width": Math.round(ratio * 100) }),
    ),
    `${value} of ${max}`,
  );
}

// Inline styles are refused by the content security policy; widths are set through the
// CSSOM, which it allows.
function sizeBars(root) {
  for (const s of root.querySelectorAll("[data-width]")) s.style.width = `${s.dataset.width}%`;
}

// ---- sign in --------------------------------------------------------------------------

async function signIn(token) {
  sessionStorage.removeItem(VIA_POOL_KEY);
  sessionStorage.setItem(TOKEN_KEY, token);
  try {
    me = await api("GET", "/me");
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
    me = null;
    throw e;
  }
}

// Set when the sign-in view is shown because of a refusal: the next hash change keeps the
// notice that says why.
let keepNotice = false;

function signOut(clear = true) {
  const viaPool = sessionStorage.getItem(VIA_POOL_KEY) && signInConfig;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(VIA_POOL_KEY);
  me = null;
  // Asked for by the person: end the pool's session too, else its hosted page would sign
  // them straight back in. It sends the browser back to the console.
  if (clear && viaPool) {
    location.assign(`${signInConfig.logout_url}?${new URLSearchParams({ client_id: signInConfig.client_id, logout_uri: redirectUri() })}`);
    return;
  }
  if (clear) clearNotice();
  if (location.hash === "#/signin") {
    render();
  } else {
    keepNotice = !clear;
    location.hash = "#/signin";
  }
}

// ---- sign in to the user pool ---------------------------------------------------------

// What config.json says: { authorize_url, token_url, logout_url, client_id, scope } or null.
let signInConfig = null;

async function loadSignInConfig() {
  try {
    const response = await fetch("/console/config.json", { cache: "no-store" });
    signInConfig = response.ok ? (await response.json()).sign_in : null;
  } catch {
    signInConfig = null;
  }
}

const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const randomText = (n) => base64url(crypto.getRandomValues(new Uint8Array(n)));
// The app client's callback URL: the console itself, without hash or query.
const redirectUri = () => `${location.origin}/console`;

async function startPoolSignIn() {
  const verifier = randomText(32);
  const state = randomText(16);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  const back = location.hash && location.hash !== "#/signin" ? location.hash : "#/overview";
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, back }));
  const c = signInConfig;
  location.assign(
    `${c.authorize_url}?${new URLSearchParams({
      response_type: "code",
      client_id: c.client_id,
      redirect_uri: redirectUri(),
      scope: c.scope,
      state,
      code_challenge: base64url(new Uint8Array(digest)),
      code_challenge_method: "S256",
    })}`,
  );
}

// Back from the pool's sign-in page with `?code=...&state=...` (or `?error=...`): the code
// and the verifier only this tab knows are exchanged for tokens at the pool's token
// endpoint, and the ID token (it names the person by email) becomes the credential.
async function finishPoolSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "null");
  sessionStorage.removeItem(PENDING_KEY);
  // The code is single-use and must not stay in the address bar or the history.
  history.replaceState(null, "", `${location.pathname}${pending ? pending.back : "#/signin"}`);
  if (params.has("error")) throw new Error(`the user pool refused: ${params.get("error_description") || params.get("error")}`);
  if (!pending || params.get("state") !== pending.state) throw new Error("the answer does not belong to a sign-in started in this tab; sign in again");
  if (!signInConfig) throw new Error("this console has no user pool configured");
  const response = await fetch(signInConfig.token_url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: signInConfig.client_id,
      code: params.get("code"),
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
    cache: "no-store",
    credentials: "omit",
  });
  const tokens = await response.json().catch(() => ({}));
  if (!response.ok || !tokens.id_token) throw new Error(`the user pool's token endpoint answered ${response.status}${tokens.error ? ` (${tokens.error})` : ""}`);
  await signIn(tokens.id_token);
  sessionStorage.setItem(VIA_POOL_KEY, "1");
}

function viewSignIn() {
  const input = el("input", { id: "token", type: "password", autocomplete: "off", required: true, size: 60 });
  const form = el(
    "form",
    {
      class: "inline",
      onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          await signIn(input.value.trim());
          clearNotice();
          // Back to the view the person came for (a link to a lead), else the overview.
          const target = location.hash && location.hash !== "#/signin" ? location.hash : "#/overview";
          if (location.hash === target) render();
          else location.hash = target;
        } catch (e) {
          fail(e);
        }
      },
    },
    el("label", { for: "token" }, "Admin or viewer token", input),
    el("button", { type: "submit", id: "signin" }, "Sign in"),
  );
  const pool = signInConfig
    ? [
        el("p", {}, el("button", { type: "button", id: "signin-pool", onclick: () => startPoolSignIn().catch((e) => show("error", `Could not start the sign-in: ${e.message}`)) }, "Sign in with your account")),
        el("p", { class: "muted" }, "Through the stack's user pool; your group there gives your role (admin or viewer)."),
        el("h2", {}, "Or paste a token"),
      ]
    : [];
  return [
    el("h1", {}, "Sign in"),
    ...pool,
    el(
      "p",
      {},
      "Paste an admin API token. Locally: admin_token or viewer_token in the data directory's serve.json. " +
        "On a deployment: an ID or access token from the stack's user pool.",
    ),
    form,
  ];
}

// ---- overview -------------------------------------------------------------------------

function figures(report, title) {
  const l = report.overall.leads;
  const a = report.overall.assignments;
  const item = (label, value) => el("div", {}, el("dt", {}, label), el("dd", {}, value));
  return [
    el("h2", {}, title),
    el(
      "dl",
      { class: "figures" },
      item("Received", l.received),
      item("Assigned", fmtPct(l.assigned_percent)),
      item("Parked", l.parked),
      item("Time to assign p50", fmtMs(l.time_to_assign.p50_ms)),
      item("Time to assign p95", fmtMs(l.time_to_assign.p95_ms)),
      item("SLA compliance", fmtPct(a.sla.compliance_percent)),
    ),
  ];
}

// The newest `n` leads: the list is oldest first, so read the shortest window that holds
// enough, to its last page (a bounded number of pages).
async function latestLeads(n) {
  for (const since of ["1h", "24h", "7d"]) {
    let items = [];
    let after;
    for (let pages = 0; pages < 10; pages++) {
      const page = await api("GET", `/leads${query({ since, limit: 500, after })}`);
      items = items.concat(page.items).slice(-n);
      if (!page.next) break;
      after = page.next;
    }
    if (items.length >= n || since === "7d") return items.reverse();
  }
  return [];
}

async function viewOverview() {
  const [day, week, triage, dlq, reps, last] = await Promise.all([
    api("GET", "/reports/health?since=24h"),
    api("GET", "/reports/health?since=7d"),
    api("GET", "/triage?limit=500"),
    api("GET", "/dlq?max=100"),
    api("GET", "/reps"),
    latestLeads(10),
  ]);
  const reports = await Promise.all(last.map((l) => api("GET", `/leads/${l.lead_id}`)));
  const parked = `${triage.items.length}${triage.next ? "+" : ""}`;
  const atCap = reps.filter((r) => r.unavailable === "at_cap" || r.unavailable === "daily_cap" || r.unavailable === "weekly_cap");
  const pools = new Map();
  for (const r of reps) for (const p of r.pools) pools.set(p, (pools.get(p) || 0) + (r.available ? 1 : 0));
  const empty = [...pools].filter(([, n]) => n === 0).map(([p]) => p);
  const attention = el(
    "ul",
    { class: "attention" },
    el("li", {}, el("a", { href: "#/triage", id: "parked-now" }, `Parked now: ${parked}`)),
    el("li", { id: "dead-letters", class: dlq.length ? "bad" : null }, `Dead letters: ${dlq.length}`),
    el("li", {}, el("a", { href: "#/reps" }, `Reps at a cap: ${atCap.length}`), atCap.length ? ` (${atCap.map((r) => r.id).join(", ")})` : ""),
    el("li", {}, `Pools with nobody available now: ${empty.length ? empty.join(", ") : "none"}`),
  );
  const rows = reports.map((r) => {
    const d = r.decisions[r.decisions.length - 1];
    const where = r.assignment ? `${r.assignment.rep} (${r.assignment.pool})` : r.lead.status;
    return el(
      "tr",
      {},
      el("td", {}, fmtTime(r.lead.lead.received_at)),
      el("td", {}, el("a", { href: `#/lead/${r.lead.lead.id}` }, r.lead.lead.company || r.lead.lead.id)),
      el("td", {}, where),
      el("td", {}, d ? d.summary : "not decided yet"),
    );
  });
  return [
    el("h1", {}, "Overview"),
    figures(day, "Last 24 hours"),
    figures(week, "Last 7 days"),
    el("h2", {}, "Needs a person"),
    attention,
    el("h2", {}, "Latest leads"),
    table(["Received", "Lead", "Went to", "Why"], rows, "The latest leads and where each went"),
  ];
}

// ---- leads ----------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// What the search box holds: an id, an email, a domain or a company name.
function searchFilter(text) {
  const t = text.trim();
  if (UUID.test(t)) return { id: t };
  if (t.includes("@")) return { email: t };
  if (/^[^\s/]+\.[^\s/]+$/.test(t) || /^https?:/i.test(t)) return { domain: t };
  return { company: t };
}

async function viewLeads(params) {
  const q = params.get("q") || "";
  const since = params.get("since") || "7d";
  const status = params.get("status") || "";
  const input = el("input", { id: "lead-q", type: "search", value: q, size: 40 });
  const window = el("select", { id: "lead-since" }, ["24h", "7d", "30d", "90d"].map((s) => el("option", { value: s, selected: s === since }, s)));
  const statusSel = el(
    "select",
    { id: "lead-status" },
    ["", "received", "queued", "duplicate", "assigned", "parked", "closed"].map((s) => el("option", { value: s, selected: s === status }, s || "any")),
  );
  const form = el(
    "form",
    {
      class: "inline",
      role: "search",
      onsubmit: (ev) => {
        ev.preventDefault();
        const f = searchFilter(input.value);
        if (f.id) location.hash = `#/lead/${f.id}`;
        else location.hash = `#/leads${query({ q: input.value.trim(), since: window.value, status: statusSel.value })}`;
      },
    },
    el("label", { for: "lead-q" }, "Email, domain, company or lead id", input),
    el("label", { for: "lead-since" }, "Received in the last", window),
    el("label", { for: "lead-status" }, "Status", statusSel),
    el("button", { type: "submit", id: "lead-search" }, "Search"),
  );
  const out = [el("h1", {}, "Leads"), form];
  const body = el("tbody");
  const results = el(
    "table",
    { id: "lead-results" },
    el("caption", { class: "sr-only" }, "Leads found"),
    el("thead", {}, el("tr", {}, ["Received", "Lead", "Company", "Country", "Status"].map((h) => el("th", { scope: "col" }, h)))),
    body,
  );
  const more = el("button", { type: "button", class: "secondary", hidden: true }, "More");
  let after;
  const filter = q ? searchFilter(q) : {};
  const load = async () => {
    const page = await api("GET", `/leads${query({ since, status, limit: 100, after, ...filter })}`);
    for (const l of page.items) {
      body.append(
        el(
          "tr",
          {},
          el("td", {}, fmtTime(l.received_at)),
          el("td", {}, el("a", { href: `#/lead/${l.lead_id}` }, l.lead_id)),
          el("td", {}, l.company || "—"),
          el("td", {}, l.country || "—"),
          el("td", {}, l.status),
        ),
      );
    }
    after = page.next;
    more.hidden = !after;
  };
  more.addEventListener("click", () => load().catch(fail));
  await load();
  out.push(results, more);
  return out;
}

function candidateRows(candidates) {
  return candidates.map((c) =>
    el(
      "tr",
      {},
      el("td", {}, c.rep),
      el("td", { class: c.status === "picked" ? "good" : c.status === "skipped" ? "muted" : null }, c.status),
      el("td", {}, c.detail || c.reason || ""),
    ),
  );
}

function stepItem(s) {
  const head = s.step === "pool" ? `Pool ${s.pool} (${s.strategy})${s.picked ? `: picked ${s.picked}` : ": nobody picked"}` : `${s.step}${s.pool ? ` ${s.pool}` : ""}`;
  return el(
    "li",
    {},
    head,
    s.candidates && s.candidates.length ? table(["Rep", "Verdict", "Why"], candidateRows(s.candidates), `Candidates in ${s.pool}`) : null,
  );
}

function changeText(c) {
  if (!c || !c.rep) return null;
  const r = c.rep;
  const parts = [`${r.rep}: open ${r.open_before} → ${r.open_after}${r.max_open ? ` (cap ${r.max_open})` : ""}`];
  if (r.day) parts.push(`today ${r.day.before} → ${r.day.after}`);
  if (r.week) parts.push(`this week ${r.week.before} → ${r.week.after}`);
  return parts.join("; ");
}

// "provider ok; employees 5000 (provider), industry Software (provider, over the form's Retail)".
function enrichmentText(e) {
  const fields = (e.fields || []).map((f) => `${f.field} ${f.value} (${f.source}${f.replaced !== undefined ? `, over the form's ${f.replaced}` : ""})`);
  return [
    `provider ${e.provider}${e.detail ? ` (${e.detail})` : ""}`,
    fields.length ? fields.join(", ") : null,
    e.missing && e.missing.length ? `missing ${e.missing.join(", ")}` : null,
  ].filter(Boolean).join("; ");
}

function decisionItem(d, i) {
  const o = d.outcome || {};
  return el(
    "li",
    { class: "decision" },
    el("div", { class: "muted" }, `${fmtTime(d.decided_at)} · decision ${i + 1} · policy version ${d.policy_version}${d.rule ? ` · rule ${d.rule}` : ""}`),
    el("p", { class: "summary" }, d.summary || o.status),
    el("div", {}, `Outcome: ${o.status}${o.rep ? ` to ${o.rep}` : ""}${o.pool ? ` in ${o.pool}` : ""}${o.via ? ` by ${o.via}` : ""}${o.reason ? ` (${o.reason})` : ""}`),
    d.by_hand ? el("div", {}, `By hand: ${d.by_hand.actor} — ${d.by_hand.reason}${d.by_hand.overrode ? " (caps and availability overridden)" : ""}`) : null,
    d.enrichment ? el("div", {}, `Enrichment: ${enrichmentText(d.enrichment)}`) : null,
    d.steps && d.steps.length ? el("ol", { class: "steps" }, d.steps.map(stepItem)) : null,
    changeText(d.change) ? el("div", {}, `State change: ${changeText(d.change)}`) : null,
    d.sla_due ? el("div", {}, `SLA due ${fmtTime(d.sla_due)}`) : null,
  );
}

function recycleItem(c) {
  const then = { close: "closed", nurture: `parked in the nurture pool ${c.pool}`, reroute: `to be routed again at ${fmtTime(c.reroute_at)}` }[c.then] || c.then;
  return el(
    "li",
    { class: "recycle" },
    el("div", { class: "muted" }, `${fmtTime(c.at)} · assignment ${c.attempt}`),
    el("p", { class: "summary" }, `Recycled by ${c.rep}: ${c.reason.replaceAll("_", " ")}${c.note ? ` — ${c.note}` : ""}; ${then}`),
  );
}

async function viewLead(id) {
  const r = await api("GET", `/leads/${encodeURIComponent(id)}`);
  const l = r.lead.lead;
  const a = r.assignment;
  const facts = [
    ["Lead id", l.id],
    ["Received", fmtTime(l.received_at)],
    ["Source", l.source],
    ["Email", l.email || "—"],
    ["Company", l.company || "—"],
    ["Country", l.country || "—"],
    ["Status", r.lead.status],
  ];
  const timeline = [el("li", {}, el("div", { class: "muted" }, fmtTime(l.received_at)), el("p", { class: "summary" }, `Received from ${l.source}`))];
  // Decisions and recycles in the order they happened (a recycle ends the assignment of
  // the decision before it; a re-route after it is the next decision).
  const events = [
    ...r.decisions.map((d, i) => [d.decided_at, decisionItem(d, i)]),
    ...(r.lead.recycles || []).map((c) => [c.at, recycleItem(c)]),
  ];
  events.sort((x, y) => Date.parse(x[0]) - Date.parse(y[0]));
  events.forEach(([, item]) => timeline.push(item));
  if (a) {
    const at = a.ended_at || a.accepted_at || a.assigned_at;
    timeline.push(
      el(
        "li",
        {},
        el("div", { class: "muted" }, fmtTime(at)),
        el("p", { class: "summary" }, `Assignment ${a.attempt}: ${a.rep} in ${a.pool}, ${a.status}${a.ended_as ? ` (${a.ended_as})` : ""}`),
        a.sla_due ? el("div", {}, `SLA clock: due ${fmtTime(a.sla_due)}`) : null,
      ),
    );
  }
  return [
    el("h1", {}, `Lead ${l.company || l.id}`),
    table(["Field", "Value"], facts.map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", {}, v))), "The lead"),
    el("h2", {}, "Timeline"),
    el("ol", { class: "timeline", id: "timeline" }, timeline),
  ];
}

// ---- triage ---------------------------------------------------------------------------

// One assignment form for the whole queue (a rep list of 500 per row would not scale): a
// row's "Assign…" fills it in for that lead.
function assignPanel(reps) {
  const sorted = [...reps].sort((x, y) => Number(y.available) - Number(x.available) || x.id.localeCompare(y.id));
  const repSel = el(
    "select",
    { id: "assign-rep" },
    sorted.map((r) =>
      el("option", { value: r.id }, `${r.name || r.id} (${r.id}) — open ${cap(r.open, r.max_open)}, today ${cap(r.today, r.max_per_day)}${r.available ? "" : ` — ${r.unavailable}`}`),
    ),
  );
  const reason = change(el("input", { id: "assign-reason", type: "text", required: true, size: 32 }));
  const override = change(el("input", { type: "checkbox", id: "assign-override" }));
  const title = el("h2", { id: "assign-title" });
  let lead = null;
  const form = el(
    "form",
    {
      class: "assign",
      id: "assign",
      hidden: true,
      "aria-labelledby": "assign-title",
      onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const done = await api("POST", `/triage/${lead.lead_id}/assign`, { rep: repSel.value, reason: reason.value, override_caps: override.checked });
          show("ok", `Lead ${lead.lead_id} assigned to ${done.rep}.`);
          await render();
        } catch (e) {
          fail(e);
        }
      },
    },
    title,
    el(
      "div",
      { class: "row" },
      el("label", { for: "assign-rep" }, "Rep (open and today against their caps)", repSel),
      el("label", { for: "assign-reason" }, "Reason (recorded with the decision)", reason),
      el("label", { class: "check", for: "assign-override" }, override, "past caps and availability"),
      change(el("button", { type: "submit", id: "assign-submit" }, "Assign")),
      el("button", { type: "button", class: "secondary", onclick: () => (form.hidden = true) }, "Cancel"),
    ),
  );
  form.open = (t) => {
    lead = t;
    title.textContent = `Assign ${t.company || t.lead_id} (parked: ${t.reason})`;
    form.hidden = false;
    repSel.focus();
  };
  return form;
}

async function viewTriage() {
  const [page, reps] = await Promise.all([api("GET", "/triage?limit=500"), api("GET", "/reps")]);
  const panel = assignPanel(reps);
  const selected = new Set();
  const rows = page.items.map((t) => {
    const box = change(el("input", { type: "checkbox", "aria-label": `Select ${t.company || t.lead_id}` }));
    box.addEventListener("change", () => (box.checked ? selected.add(t.lead_id) : selected.delete(t.lead_id)));
    const reroute = change(el("button", { type: "button", class: "secondary", "data-action": "reroute" }, "Re-route"));
    reroute.addEventListener("click", async () => {
      try {
        await api("POST", `/triage/${t.lead_id}/reroute`);
        show("ok", `Lead ${t.lead_id} handed back to routing.`);
        await render();
      } catch (e) {
        fail(e);
      }
    });
    const assign = change(el("button", { type: "button", "data-action": "assign", onclick: () => panel.open(t) }, "Assign…"));
    return el(
      "tr",
      { "data-lead": t.lead_id },
      el("td", {}, box),
      el("td", {}, el("a", { href: `#/lead/${t.lead_id}` }, t.company || t.lead_id)),
      el("td", {}, t.reason),
      el("td", {}, t.pool),
      el("td", {}, fmtTime(t.parked_at)),
      el("td", {}, (t.bounced || []).join(", ") || "—"),
      el("td", {}, reroute, " ", assign),
    );
  });
  const all = change(el("button", { type: "button", id: "reroute-selected" }, "Re-route selected"));
  all.addEventListener("click", async () => {
    if (!selected.size) return show("error", "Select the leads to re-route first.");
    let done = 0;
    try {
      for (const id of selected) {
        await api("POST", `/triage/${id}/reroute`);
        done++;
      }
      show("ok", `${done} lead(s) handed back to routing.`);
    } catch (e) {
      show("error", `${done} re-routed, then: ${describe(e)}`);
    }
    await render();
  });
  return [
    el("h1", {}, "Triage"),
    el("p", {}, `${page.items.length}${page.next ? "+" : ""} parked lead(s), oldest parked first.`),
    panel,
    el("div", { class: "row" }, all),
    table(["", "Lead", "Reason", "Pool", "Parked", "Bounced from", "Action"], rows, "Parked leads"),
  ];
}

// ---- reps -----------------------------------------------------------------------------

function repRow(r) {
  const until = el("input", { type: "datetime-local", id: `until-${r.id}` });
  const toggle = r.away
    ? change(el("button", { type: "button", "data-action": "back", "aria-label": `Back: ${r.id}` }, "Back"))
    : change(el("button", { type: "button", "data-action": "away", "aria-label": `Away: ${r.id}` }, "Set away"));
  toggle.addEventListener("click", async () => {
    try {
      if (r.away) await api("POST", `/reps/${encodeURIComponent(r.id)}/back`);
      else await api("POST", `/reps/${encodeURIComponent(r.id)}/away`, until.value ? { until: new Date(until.value).toISOString() } : undefined);
      show("ok", `${r.id} is ${r.away ? "back" : "away"}.`);
      await render();
    } catch (e) {
      fail(e);
    }
  });
  const state = r.available ? el("span", { class: "good" }, "available") : el("span", { class: "warn" }, r.unavailable || "unavailable");
  return el(
    "tr",
    { "data-rep": r.id },
    el("td", {}, r.id),
    el("td", {}, r.name || ""),
    el("td", {}, r.pools.join(", ")),
    el("td", {}, bar(r.open, r.max_open, "open")),
    el("td", {}, bar(r.today, r.max_per_day, "today")),
    el("td", {}, bar(r.this_week, r.max_per_week, "this week")),
    el("td", {}, (r.local_time || "").replace(/\[.*\]$/, "").slice(11, 16), " ", el("span", { class: "muted" }, (r.local_time || "").match(/\[(.*)\]/)?.[1] || "")),
    el("td", { class: "state" }, state),
    el("td", {}, r.away ? `since ${fmtTime(r.away.since)}${r.away.until ? `, until ${fmtTime(r.away.until)}` : ""}` : "—"),
    el("td", {}, r.away ? null : el("label", { for: `until-${r.id}`, class: "sr-only" }, `Away until (optional) for ${r.id}`), r.away ? null : change(until), toggle),
  );
}

async function viewReps() {
  const reps = await api("GET", "/reps");
  const body = el("tbody", {}, reps.map(repRow));
  const filter = el("input", {
    id: "rep-filter",
    type: "search",
    oninput: () => {
      const t = filter.value.trim().toLowerCase();
      for (const tr of body.children) tr.hidden = t !== "" && !tr.textContent.toLowerCase().includes(t);
    },
  });
  const heads = ["Rep", "Name", "Pools", "Open", "Today", "This week", "Local time", "Now", "Away", "Away / back"];
  return [
    el("h1", {}, "Reps"),
    el("label", { for: "rep-filter" }, "Filter by id, name, pool or state", filter),
    el(
      "table",
      { id: "reps" },
      el("caption", { class: "sr-only" }, "Reps, live"),
      el("thead", {}, el("tr", {}, heads.map((h) => el("th", { scope: "col" }, h)))),
      body,
    ),
  ];
}

// ---- fairness -------------------------------------------------------------------------

// How the report names a pool: its id, or what took the lead without one.
const poolName = (key) => key.id || { account_owner: "(account owner)", undecided: "(not decided yet)" }[key.kind] || key.kind;

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  append(node, children);
  return node;
}

// One bar per rep: its assignments, and a red line at its target share.
function fairnessChart(pool, f) {
  const rows = f.reps;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.assignments, r.target)));
  const label = 140;
  const width = 640;
  const row = 20;
  const scale = (v) => (v / max) * (width - label - 60);
  const chart = svg(
    "svg",
    { class: "chart fairness", width, height: rows.length * row + 10, role: "img", "aria-label": `Assignments against target share in pool ${pool}` },
    rows.map((r, i) => [
      svg("text", { x: 0, y: i * row + 14 }, r.rep),
      svg("rect", { class: "assigned", x: label, y: i * row + 4, width: scale(r.assignments), height: row - 8 }),
      svg("line", { class: "target", x1: label + scale(r.target), x2: label + scale(r.target), y1: i * row + 1, y2: i * row + row - 1 }),
      svg("text", { x: label + scale(Math.max(r.assignments, r.target)) + 6, y: i * row + 14 }, `${r.assignments} / ${r.target.toFixed(1)}`),
    ]),
  );
  const tableRows = rows.map((r) =>
    el(
      "tr",
      {},
      el("td", {}, r.rep),
      el("td", { class: "num" }, r.weight),
      el("td", { class: "num" }, r.eligible_in),
      el("td", { class: "num" }, r.assignments),
      el("td", { class: "num" }, r.target.toFixed(1)),
      el("td", { class: "num" }, r.deviation === null || r.deviation === undefined ? "—" : `${(r.deviation * 100).toFixed(0)} %`),
    ),
  );
  return [
    el("h2", {}, `Pool ${pool}: ${f.decisions} decision(s)`),
    chart,
    el("details", {}, el("summary", {}, "As a table"), table(["Rep", { label: "Weight", num: true }, { label: "Eligible in", num: true }, { label: "Assigned", num: true }, { label: "Target", num: true }, { label: "Off target", num: true }], tableRows, `Fairness in ${pool}`)),
  ];
}

// The last `days` days, one health report each (from/to at midnight UTC), oldest first.
async function daily(days) {
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const spans = Array.from({ length: days }, (_, i) => {
    const from = new Date(today.getTime() - (days - 1 - i) * 86400000);
    const to = new Date(from.getTime() + 86400000);
    return { from, to };
  });
  const reports = await Promise.all(spans.map((s) => api("GET", `/reports/health${query({ from: s.from.toISOString(), to: s.to.toISOString() })}`)));
  return spans.map((s, i) => ({ day: s.from.toISOString().slice(0, 10), report: reports[i] }));
}

// Received per day as bars, the part assigned darker; SLA compliance and time to assign
// per day in the table beside it.
function trendChart(days) {
  const max = Math.max(1, ...days.map((d) => d.report.overall.leads.received));
  const w = 64;
  const h = 120;
  const bars = days.map((d, i) => {
    const l = d.report.overall.leads;
    const received = (l.received / max) * h;
    const assigned = (l.assigned / max) * h;
    const top = 18; // room for the count above a full bar
    return [
      svg("rect", { class: "received", x: i * w + 8, y: top + h - received, width: w - 16, height: received }),
      svg("rect", { class: "assigned", x: i * w + 8, y: top + h - assigned, width: w - 16, height: assigned }),
      svg("text", { x: i * w + 8, y: top + h + 16 }, d.day.slice(5)),
      svg("text", { x: i * w + 8, y: top + h - received - 4, class: "count" }, l.received),
    ];
  });
  const rows = days.map((d) => {
    const l = d.report.overall.leads;
    const a = d.report.overall.assignments;
    return el(
      "tr",
      {},
      el("td", {}, d.day),
      el("td", { class: "num" }, l.received),
      el("td", { class: "num" }, fmtPct(l.assigned_percent)),
      el("td", { class: "num" }, l.parked),
      el("td", { class: "num" }, fmtMs(l.time_to_assign.p50_ms)),
      el("td", { class: "num" }, fmtMs(l.time_to_assign.p95_ms)),
      el("td", { class: "num" }, fmtPct(a.sla.compliance_percent)),
    );
  });
  return [
    el("h2", {}, "The last 7 days (UTC)"),
    svg("svg", { class: "chart", id: "trend", width: days.length * w, height: h + 40, role: "img", "aria-label": "Leads received (light) and assigned (dark) per day" }, bars),
    table(
      ["Day", { label: "Received", num: true }, { label: "Assigned", num: true }, { label: "Parked", num: true }, { label: "Assign p50", num: true }, { label: "Assign p95", num: true }, { label: "SLA met", num: true }],
      rows,
      "Per day",
    ),
  ];
}

async function viewFairness(params) {
  const since = params.get("since") || "7d";
  const [report, days] = await Promise.all([api("GET", `/reports/health?since=${encodeURIComponent(since)}`), daily(7)]);
  const pick = el(
    "select",
    { id: "fair-since", onchange: () => (location.hash = `#/fairness?since=${pick.value}`) },
    ["24h", "7d", "30d"].map((s) => el("option", { value: s, selected: s === since }, s)),
  );
  const pools = report.pools.filter((p) => p.fairness && p.fairness.reps.length);
  const slaRows = report.pools.map((p) =>
    el(
      "tr",
      {},
      el("td", {}, poolName(p.pool)),
      el("td", { class: "num" }, p.leads.received),
      el("td", { class: "num" }, fmtPct(p.leads.assigned_percent)),
      el("td", { class: "num" }, fmtMs(p.leads.time_to_assign.p50_ms)),
      el("td", { class: "num" }, fmtMs(p.leads.time_to_assign.p95_ms)),
      el("td", { class: "num" }, fmtPct(p.assignments.sla.compliance_percent)),
    ),
  );
  return [
    el("h1", {}, "Fairness and SLA"),
    el("label", { for: "fair-since" }, "Window", pick),
    el("p", { class: "muted" }, "Each bar is a rep's assignments in the window; the red line is its target share, adjusted for when it was eligible."),
    el("h2", {}, "Per pool"),
    table(["Pool", { label: "Received", num: true }, { label: "Assigned", num: true }, { label: "Assign p50", num: true }, { label: "Assign p95", num: true }, { label: "SLA met", num: true }], slaRows, "Per pool"),
    pools.length ? pools.map((p) => fairnessChart(poolName(p.pool), p.fairness)) : el("p", {}, "No pool made a weighted choice in this window."),
    trendChart(days),
  ];
}

// ---- outcomes ------------------------------------------------------------------------

// A share won with a 95% interval for counts the API gives without an estimate (the
// shadow report's outcomes): the Beta(1 + won, 1 + lost) posterior of a uniform prior,
// summarized as routing summarizes its own estimates (mean ± 1.96 sd, within [0, 1]).
function winRate(won, closes) {
  const a = 1 + won;
  const b = 1 + closes - won;
  const mean = a / (a + b);
  const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
  return { closes, won, rate: closes ? won / closes : null, mean, low: Math.max(0, mean - 1.96 * sd), high: Math.min(1, mean + 1.96 * sd) };
}

const pct = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(0)} %`);
const interval = (w) => (w.closes ? `${pct(w.low)} – ${pct(w.high)}` : "—");

// A rep's closes and wins in `segment` ("" for overall), as recorded and imported.
function tallyOf(rep, segment) {
  if (!rep) return { closes: 0, won: 0 };
  if (!segment) return { closes: rep.closes, won: rep.won };
  const s = rep.segments.find((x) => x.segment === segment);
  return s ? { closes: s.closes, won: s.won } : { closes: 0, won: 0 };
}

// One row per rep: a dot at the estimate, a line across its interval, and a dashed line
// at the share the pool's members won together; a rep without closes gets no mark.
function rateChart(title, rows, poolShare) {
  const label = 140;
  const plot = 400;
  const row = 22;
  const top = 20;
  const x = (v) => label + v * plot;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const height = top + rows.length * row + 8;
  return svg(
    "svg",
    { class: "chart rates", width: label + plot + 150, height, role: "img", "aria-label": `${title}: each rep's estimated win rate with its 95% interval; the dashed line is the share the pool won` },
    ticks.map((t) => [
      svg("line", { class: "tick", x1: x(t), x2: x(t), y1: top - 4, y2: height - 4 }),
      svg("text", { x: x(t) - 10, y: 12 }, `${t * 100}%`),
    ]),
    poolShare === null ? null : svg("line", { class: "pool-rate", x1: x(poolShare), x2: x(poolShare), y1: top - 4, y2: height - 4 }),
    rows.map((r, i) => {
      const y = top + i * row + row / 2;
      return [
        svg("text", { x: 0, y: y + 4 }, r.rep),
        r.closes
          ? [
              svg("line", { class: "interval", x1: x(r.low), x2: x(r.high), y1: y, y2: y }),
              svg("circle", { class: "estimate", cx: x(r.mean), cy: y, r: 5 }),
              svg("text", { x: label + plot + 12, y: y + 4 }, `${pct(r.won / r.closes)} of ${r.closes}`),
            ]
          : svg("text", { x: label + plot + 12, y: y + 4, class: "none" }, "no closes"),
      ];
    }),
  );
}

async function viewOutcomes(params) {
  const view = await api("GET", "/outcomes");
  const segment = params.get("segment") || "";
  const byRep = new Map(view.reps.map((r) => [r.rep, r]));
  const segments = [...new Set(view.pools.flatMap((p) => p.segments.map((s) => s.segment).filter(Boolean)))].sort();
  const pick = el(
    "select",
    { id: "outcome-segment", onchange: () => (location.hash = `#/outcomes${query({ segment: pick.value })}`) },
    el("option", { value: "", selected: segment === "" }, "overall"),
    segments.map((s) => el("option", { value: s, selected: s === segment }, s)),
  );
  const sections = view.pools.map((p) => {
    const seg = p.segments.find((s) => (s.segment || "") === segment);
    // The members, with the pool's estimates in this segment when its members have closes
    // in it (the API lists only those segments).
    const rows = p.segments[0].reps.map((m) => {
      const e = seg ? seg.reps.find((r) => r.rep === m.rep) : null;
      const t = tallyOf(byRep.get(m.rep), segment);
      return { rep: m.rep, closes: t.closes, won: t.won, mean: e ? e.mean : null, low: e ? e.low : null, high: e ? e.high : null };
    });
    const closes = seg ? seg.closes : 0;
    const share = closes ? seg.won / closes : null;
    const tableRows = rows.map((r) => {
      const rec = byRep.get(r.rep);
      return el(
        "tr",
        { "data-rep": r.rep },
        el("th", { scope: "row" }, r.rep),
        el("td", { class: "num" }, r.closes),
        el("td", { class: "num" }, r.won),
        el("td", { class: "num" }, r.closes ? pct(r.won / r.closes) : "—"),
        el("td", { class: "num" }, r.closes ? pct(r.mean) : "—"),
        el("td", { class: "num" }, r.closes ? `${pct(r.low)} – ${pct(r.high)}` : "—"),
        el("td", { class: "num" }, rec ? `${rec.recorded.closes} / ${rec.imported.closes}` : "0 / 0"),
      );
    });
    return el(
      "section",
      { "data-pool": p.pool, "aria-labelledby": `outcomes-${p.pool}` },
      el("h2", { id: `outcomes-${p.pool}` }, `Pool ${p.pool}${p.best_fit ? " (best_fit)" : ""}: ${closes ? `${pct(share)} won of ${closes} close(s)` : "no closes"}${segment ? ` in ${segment}` : ""}`),
      rateChart(`Pool ${p.pool}${segment ? `, ${segment}` : ""}`, rows, share),
      table(
        ["Rep", { label: "Closes", num: true }, { label: "Won", num: true }, { label: "Won, share", num: true }, { label: "Estimate", num: true }, { label: "95% interval", num: true }, { label: "Recorded / imported", num: true }],
        tableRows,
        `Win rates in pool ${p.pool}`,
      ),
    );
  });
  const rebuild = change(el("button", { type: "button", id: "outcomes-rebuild", class: "secondary" }, "Recount from stored closes"));
  rebuild.addEventListener("click", async () => {
    try {
      const r = await api("POST", "/outcomes/rebuild");
      show("ok", `Recounted: ${JSON.stringify(r)}`);
      await render();
    } catch (e) {
      fail(e);
    }
  });
  return [
    el("h1", {}, "Outcomes"),
    el(
      "p",
      { class: "muted" },
      `Each rep's won and lost closes (recorded and imported) under policy version ${view.policy_version}` +
        `${view.segment_fields.length ? `, by segment of ${view.segment_fields.join(", ")}` : " (the policy names no segment fields)"}. ` +
        "The estimate and its 95% interval are routing's own for the pool: a short record leans on the pool's rate and the rep's record elsewhere " +
        '(docs/POLICY.md, "Learned fit"). In the charts the dot is the estimate, the line its interval (the fewer the closes, the wider), the dashed line the share the pool won.',
    ),
    el("div", { class: "row" }, el("label", { for: "outcome-segment" }, "Segment", pick), rebuild),
    sections.length ? sections : el("p", {}, "The active policy has no pools."),
  ];
}

// ---- shadow ---------------------------------------------------------------------------

// Two bars per row, the active policy's and the shadow's.
function pairChart(label, rows) {
  const name = 140;
  const width = 560;
  const row = 30;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.active, r.shadow)));
  const scale = (v) => (v / max) * (width - name - 60);
  return svg(
    "svg",
    { class: "chart pairs", width, height: rows.length * row + 10, role: "img", "aria-label": label },
    rows.map((r, i) => [
      svg("text", { x: 0, y: i * row + 18 }, r.rep),
      svg("rect", { class: "active", x: name, y: i * row + 4, width: scale(r.active), height: 10 }),
      svg("rect", { class: "shadow", x: name, y: i * row + 15, width: scale(r.shadow), height: 10 }),
      svg("text", { x: name + scale(Math.max(r.active, r.shadow)) + 6, y: i * row + 18 }, `${r.active} → ${r.shadow}`),
    ]),
  );
}

// Per pool, the share of leads both policies decided alike (filled) out of all (outline).
function agreementChart(pools) {
  const name = 160;
  const width = 560;
  const row = 22;
  const w = width - name - 80;
  return svg(
    "svg",
    { class: "chart agreement", width, height: pools.length * row + 10, role: "img", "aria-label": "Agreement per pool: the filled part of each bar is the leads both policies decided alike" },
    pools.map((p, i) => [
      svg("text", { x: 0, y: i * row + 15 }, p.pool),
      svg("rect", { class: "all", x: name, y: i * row + 4, width: w, height: 14 }),
      svg("rect", { class: "agreed", x: name, y: i * row + 4, width: p.leads ? (p.agreed / p.leads) * w : 0, height: 14 }),
      svg("text", { x: name + w + 6, y: i * row + 15 }, `${p.agreed} of ${p.leads}`),
    ]),
  );
}

function shadowReport(r) {
  const item = (label, value, id) => el("div", {}, el("dt", {}, label), el("dd", { id }, value));
  const outcomes = [
    ["Where the shadow agreed", r.outcomes_agreed],
    ["Where the shadow differed", r.outcomes_differed],
  ].map(([label, c]) => {
    const w = winRate(c.won, c.closes);
    return el("tr", {}, el("th", { scope: "row" }, label), el("td", { class: "num" }, c.closes), el("td", { class: "num" }, c.won), el("td", { class: "num" }, pct(w.rate)), el("td", { class: "num" }, interval(w)));
  });
  const reps = r.reps.map((x) =>
    el(
      "tr",
      { "data-rep": x.rep },
      el("th", { scope: "row" }, x.rep),
      el("td", { class: "num" }, x.active),
      el("td", { class: "num" }, x.shadow),
      el("td", { class: x.difference === 0 ? "num muted" : "num" }, x.difference > 0 ? `+${x.difference}` : `${x.difference}`),
    ),
  );
  const pools = r.pools.map((p) => el("tr", { "data-pool": p.pool }, el("th", { scope: "row" }, p.pool), el("td", { class: "num" }, p.leads), el("td", { class: "num" }, p.agreed), el("td", { class: "num" }, pct(p.leads ? p.agreed / p.leads : null))));
  return el(
    "div",
    { id: "shadow-report" },
    el("p", {}, `${fmtTime(r.from)} – ${fmtTime(r.to)}${r.shadow_versions.length ? `, shadow version(s) ${r.shadow_versions.join(", ")}` : ""}.`, r.truncated ? el("strong", { class: "warn" }, " The window held more decisions than one report reads; these are the first.") : null),
    el(
      "dl",
      { class: "figures" },
      item("Leads decided by both", r.leads, "shadow-leads"),
      item("Agreement", r.agreement === undefined || r.agreement === null ? "—" : pct(r.agreement), "shadow-agreement"),
      item("Parked, active", r.parked_active),
      item("Parked, shadow", r.parked_shadow),
      item("best_fit departures", r.shadow_departures),
    ),
    r.leads === 0
      ? el("p", {}, "No lead was decided by both policies in this window.")
      : [
          el("h2", {}, "Per pool (the active decision's)"),
          agreementChart(r.pools),
          table(["Pool", { label: "Leads", num: true }, { label: "Agreed", num: true }, { label: "Agreement", num: true }], pools, "Agreement per pool"),
          el("h2", {}, "Per rep"),
          el("p", { class: "muted" }, "Upper bar: leads the active policy gave the rep; lower bar: leads the shadow would have given."),
          pairChart("Leads per rep: active policy (upper bar) and shadow (lower bar)", r.reps),
          table(["Rep", { label: "Active", num: true }, { label: "Shadow", num: true }, { label: "Difference", num: true }], reps, "Leads per rep under each policy"),
          el("h2", {}, "Outcomes under the active choice"),
          el("p", { class: "muted" }, "Closed leads, by whether the shadow would have decided alike. Where it differed, its own choice was never tried: this says how the leads it would have moved fared with the reps they had."),
          table(["Leads", { label: "Closes", num: true }, { label: "Won", num: true }, { label: "Win rate", num: true }, { label: "95% interval", num: true }], outcomes, "Outcomes under the active choice"),
        ],
  );
}

async function viewShadow(params) {
  const since = params.get("since") || "7d";
  const [setting, history, report] = await Promise.all([
    api("GET", "/policy/shadow"),
    api("GET", "/policy/history"),
    api("GET", `/policy/shadow/report${query({ since })}`),
  ]);
  const s = setting.shadow;
  const status = s
    ? `Version ${s.version} shadows the active version ${setting.active_version} since ${fmtTime(s.since)}${s.note ? ` (${s.note})` : ""}.`
    : `No shadow runs; version ${setting.active_version ?? "—"} is active.`;
  const candidates = history.versions.filter((v) => v.version !== setting.active_version).reverse();
  const version = change(
    el(
      "select",
      { id: "shadow-version" },
      candidates.map((v) => el("option", { value: v.version, selected: s && s.version === v.version }, `${v.version}${v.note ? ` — ${v.note}` : ""}`)),
    ),
  );
  const note = change(el("input", { id: "shadow-note", type: "text", size: 40 }));
  const start = change(el("button", { type: "button", id: "shadow-start", disabled: candidates.length === 0 }, s ? "Shadow this version instead" : "Start shadow"));
  start.addEventListener("click", async () => {
    try {
      const v = await api("POST", "/policy/shadow", { version: Number(version.value), note: note.value || undefined });
      show("ok", `Version ${v.shadow.version} now shadows the active version ${v.active_version}.`);
      await render();
    } catch (e) {
      fail(e);
    }
  });
  const stop = change(el("button", { type: "button", id: "shadow-stop", class: "secondary", disabled: !s }, "Stop shadow"));
  stop.addEventListener("click", async () => {
    try {
      await api("POST", "/policy/shadow/stop");
      show("ok", "The shadow is stopped; its decisions stay in the reports.");
      await render();
    } catch (e) {
      fail(e);
    }
  });
  const pick = el(
    "select",
    { id: "shadow-since", onchange: () => (location.hash = `#/shadow${query({ since: pick.value })}`) },
    ["24h", "7d", "14d", "30d"].map((w) => el("option", { value: w, selected: w === since }, w)),
  );
  return [
    el("h1", {}, "Shadow mode"),
    el("p", { id: "shadow-status" }, status),
    el(
      "p",
      { class: "muted" },
      "A shadow is a stored policy version that decides every lead beside the active one and changes nothing; its decisions are kept and compared here (docs/OUTCOMES.md, \"Shadow mode\").",
    ),
    el(
      "div",
      { class: "row" },
      el("label", { for: "shadow-version" }, "Stored version", version),
      el("label", { for: "shadow-note" }, "Note (why)", note),
      start,
      stop,
    ),
    el("h2", {}, "Report"),
    el("label", { for: "shadow-since" }, "Window", pick),
    shadowReport(report),
  ];
}

// ---- what-if --------------------------------------------------------------------------

// A figure under the active policy and under the draft, and the change.
function delta(active, draft) {
  const d = draft - active;
  return [
    el("td", { class: "num" }, active),
    el("td", { class: "num" }, draft),
    el("td", { class: d === 0 ? "num muted" : "num" }, d > 0 ? `+${d}` : `${d}`),
  ];
}

const compareHeads = (first) => [first, { label: "Active", num: true }, { label: "Draft", num: true }, { label: "Change", num: true }];

// Rows keyed by `key` from both reports, in the active report's order then the draft's new ones.
function joined(active, draft, key) {
  const keys = [...new Set([...active.map(key), ...draft.map(key)])];
  const a = new Map(active.map((r) => [key(r), r]));
  const d = new Map(draft.map((r) => [key(r), r]));
  return keys.map((k) => [k, a.get(k), d.get(k)]);
}

function whatIfView(w) {
  const a = w.active;
  const d = w.draft;
  const summary = [
    ["Assigned", a.outcome.assigned, d.outcome.assigned],
    ["By account owner", a.outcome.by_account_owner, d.outcome.by_account_owner],
    ["In a fallback pool", a.outcome.in_fallback_pool, d.outcome.in_fallback_pool],
    ["Parked", a.outcome.parked, d.outcome.parked],
  ].map(([label, x, y]) => el("tr", {}, el("th", { scope: "row" }, label), delta(x, y)));
  const pools = joined(a.pools, d.pools, (p) => p.pool).map(([id, x, y]) =>
    el("tr", { "data-pool": id }, el("th", { scope: "row" }, id), delta(x ? x.assigned : 0, y ? y.assigned : 0)),
  );
  const parks = joined(a.parks, d.parks, (p) => `${p.reason} in ${p.pool}`).map(([id, x, y]) =>
    el("tr", {}, el("th", { scope: "row" }, id), delta(x ? x.leads : 0, y ? y.leads : 0)),
  );
  const reps = joined(a.reps, d.reps, (r) => r.rep)
    .filter(([, x, y]) => (x ? x.assigned : 0) !== (y ? y.assigned : 0))
    .map(([id, x, y]) => el("tr", { "data-rep": id }, el("th", { scope: "row" }, id), delta(x ? x.assigned : 0, y ? y.assigned : 0)));
  return el(
    "div",
    { id: "whatif" },
    el("p", {}, `${w.leads} lead(s) received ${fmtTime(w.from)} – ${fmtTime(w.to)}, replayed through each policy from empty counters (work time ${a.work_time}).`),
    table(compareHeads("Leads"), summary, "Outcomes"),
    el("h3", {}, "Assigned per pool"),
    table(compareHeads("Pool"), pools, "Assigned per pool"),
    parks.length ? [el("h3", {}, "Parked per reason"), table(compareHeads("Reason"), parks, "Parked per reason")] : null,
    el("h3", {}, "Reps whose count changes"),
    reps.length ? table(compareHeads("Rep"), reps, "Assigned per rep") : el("p", {}, "No rep's count changes."),
  );
}

// ---- policy ---------------------------------------------------------------------------

// The line of `text` (1-based) that a validation path such as `reps[0].caps.max_open`
// names, in YAML or JSON as people write them; the closest enclosing line when the exact
// one cannot be found.
function lineOf(text, path) {
  const lines = text.split("\n");
  const segments = [];
  for (const part of path.replace(/^\$\.?/, "").split(".")) {
    const m = part.match(/^([^[\]]*)((?:\[\d+\])*)$/);
    if (!m) continue;
    if (m[1]) segments.push(m[1]);
    for (const i of m[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(i[1]));
  }
  const indentOf = (s) => s.length - s.trimStart().length;
  const blank = (s) => s.trim() === "" || s.trim().startsWith("#");
  let from = 0;
  let to = lines.length;
  let parent = -1;
  let found = 0;
  for (const seg of segments) {
    let hit = -1;
    if (typeof seg === "string") {
      const key = new RegExp(`^(\\s*)(- )?("?)${seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\3\\s*:`);
      for (let i = from; i < to; i++) {
        const m = lines[i].match(key);
        if (m && m[1].length + (m[2] ? 2 : 0) > parent) {
          hit = i;
          parent = m[1].length + (m[2] ? 2 : 0);
          break;
        }
      }
    } else {
      if (/:\s*\[.*\S/.test(lines[from]) && !/:\s*\[\s*$/.test(lines[from])) break; // a flow sequence: its line
      let itemIndent = -1;
      let count = -1;
      for (let i = from + 1; i < to; i++) {
        if (blank(lines[i])) continue;
        const ind = indentOf(lines[i]);
        if (ind <= parent && !lines[i].trimStart().startsWith("- ")) break;
        if (itemIndent < 0) itemIndent = ind;
        if (ind === itemIndent && !/^[\]}]/.test(lines[i].trim())) {
          count++;
          if (count === seg) {
            hit = i;
            parent = ind;
            break;
          }
        }
      }
    }
    if (hit < 0) break;
    found = hit + 1;
    from = hit;
    let end = hit + 1;
    while (end < to && (blank(lines[end]) || indentOf(lines[end]) > indentOf(lines[hit]))) end++;
    to = Math.max(end, hit + 1);
  }
  return found || 1;
}

// The line a parser's message names ("... at line 4 column 5").
function lineOfIssue(text, issue) {
  const m = /at line (\d+)/.exec(issue.message || "");
  return m ? Number(m[1]) : lineOf(text, issue.field || issue.path || "$");
}

function diffView(d) {
  const list = (title, c) => {
    const items = [];
    for (const a of c.added) items.push(el("li", {}, `+ ${a}`));
    for (const r of c.removed) items.push(el("li", {}, `− ${r}`));
    for (const ch of c.changed) items.push(el("li", {}, `~ ${ch.id}: `, ch.fields.map((f) => `${f.field} ${JSON.stringify(f.before)} → ${JSON.stringify(f.after)}`).join("; ")));
    for (const m of c.moved || []) items.push(el("li", {}, `↕ ${m.id}: ${m.from} → ${m.to}`));
    return items.length ? [el("h3", {}, title), el("ul", {}, items)] : [];
  };
  const settings = d.settings.map((f) => el("li", {}, `${f.field}: ${JSON.stringify(f.before)} → ${JSON.stringify(f.after)}`));
  const parts = [settings.length ? [el("h3", {}, "Settings"), el("ul", {}, settings)] : [], list("Reps", d.reps), list("Pools", d.pools), list("Rules", d.rules)].flat();
  return el("div", { class: "diff", id: "diff" }, el("p", {}, `Version ${d.from} → ${d.to}`), parts.length ? parts : el("p", {}, "No change."));
}

async function viewPolicy() {
  const [history, active] = await Promise.all([api("GET", "/policy/history"), api("GET", "/policy/active").catch(() => null)]);
  const activeVersion = history.active ? history.active.version : null;
  const diffBox = el("div");
  const rows = [...history.versions].reverse().map((v) => {
    const isActive = v.version === activeVersion;
    const diff = el("button", { type: "button", class: "secondary", disabled: isActive || activeVersion === null }, "Diff with active");
    diff.addEventListener("click", async () => {
      try {
        diffBox.replaceChildren(diffView(await api("GET", `/policy/diff?from=${v.version}`)));
      } catch (e) {
        fail(e);
      }
    });
    const back = change(el("button", { type: "button", "data-action": "rollback", "data-version": v.version, disabled: isActive }, `Roll back to ${v.version}`));
    back.addEventListener("click", async () => {
      try {
        await api("POST", "/policy/rollback", { version: v.version });
        show("ok", `Version ${v.version} is active again.`);
        await render();
      } catch (e) {
        fail(e);
      }
    });
    return el(
      "tr",
      { "data-version": v.version },
      el("td", {}, `${v.version}`, isActive ? el("strong", {}, " (active)") : null),
      el("td", {}, fmtTime(v.created_at)),
      el("td", {}, v.note || ""),
      el("td", {}, diff, " ", back),
    );
  });
  const draft = el("textarea", { id: "draft", spellcheck: "false", "aria-describedby": "draft-help" });
  draft.value = active ? JSON.stringify(active.document, null, 2) : "";
  const gutter = el("pre", { class: "gutter", "aria-hidden": "true" });
  const issues = el("ol", { class: "issues", id: "issues", "aria-live": "polite" });
  const marks = new Set();
  const paintGutter = () => {
    const n = draft.value.split("\n").length;
    gutter.replaceChildren(...Array.from({ length: n }, (_, i) => el("span", { class: marks.has(i + 1) ? "issue" : null, "data-line": i + 1 }, `${i + 1}\n`)));
    gutter.scrollTop = draft.scrollTop;
  };
  // An edit makes the shown issues stale: they go until the next check.
  draft.addEventListener("input", () => {
    marks.clear();
    issues.replaceChildren();
    paintGutter();
  });
  draft.addEventListener("scroll", () => (gutter.scrollTop = draft.scrollTop));
  const goTo = (line) => {
    const lines = draft.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    draft.focus();
    draft.setSelectionRange(start, start + (lines[line - 1] || "").length);
    draft.scrollTop = Math.max(0, (line - 5) * 18);
  };
  const showIssues = (list, kind) => {
    marks.clear();
    issues.replaceChildren(
      ...list.map((i) => {
        const line = lineOfIssue(draft.value, i);
        if (kind === "error") marks.add(line);
        return el(
          "li",
          { class: kind === "error" ? "bad" : "warn", "data-line": line },
          el("button", { type: "button", class: "secondary", onclick: () => goTo(line) }, `Line ${line}`),
          ` ${i.code ? `[${i.code}] ` : ""}${i.field || i.path}: ${i.message}`,
          i.hint ? el("div", { class: "hint" }, `Fix: ${i.hint}`) : "",
          i.example ? el("div", { class: "hint" }, `E.g. a lead with ${Object.entries(i.example).map(([k, v]) => `${k}=${v}`).join(", ")}`) : "",
        );
      }),
    );
    paintGutter();
  };
  const check = async () => {
    try {
      const ok = await api("POST", "/policy/validate", { document: draft.value });
      // Validation warnings, then the static checks' findings (docs/POLICY.md, "Findings").
      const findings = ok.findings || [];
      showIssues(
        [
          ...ok.warnings.map((w) => ({ field: w.path, message: w.message })),
          ...findings.map((f) => ({ field: f.path, message: f.message, code: f.code, hint: f.hint, example: f.example })),
        ],
        "warning",
      );
      const notes = [
        ok.warnings.length ? `${ok.warnings.length} warning(s)` : "",
        findings.length ? `${findings.length} finding(s)` : "",
      ].filter(Boolean);
      show("ok", `The draft is valid${notes.length ? ` (${notes.join(", ")})` : ""}.`);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        showIssues(e.problem.errors || [], "error");
        show("error", `The draft is not valid: ${(e.problem.errors || []).length} issue(s), marked at their lines.`);
      } else fail(e);
      return false;
    }
  };
  const whatIfBox = el("div");
  const whatIfSince = el("select", { id: "whatif-since" }, ["24h", "7d", "30d"].map((s) => el("option", { value: s, selected: s === "7d" }, s)));
  const whatIf = el("button", { type: "button", id: "whatif-run", class: "secondary" }, "What if");
  whatIf.addEventListener("click", async () => {
    whatIf.disabled = true;
    try {
      whatIfBox.replaceChildren(whatIfView(await api("POST", "/policy/whatif", { document: draft.value, since: whatIfSince.value })));
      clearNotice();
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) showIssues(e.problem.errors || [], "error");
      fail(e);
    } finally {
      whatIf.disabled = false;
    }
  });
  const note = el("input", { id: "apply-note", type: "text", size: 50 });
  const apply = change(el("button", { type: "button", id: "apply" }, "Apply draft"));
  apply.addEventListener("click", async () => {
    try {
      const done = await api("POST", "/policy", { document: draft.value, note: note.value || undefined });
      show("ok", `Version ${done.version} is active${done.previous ? ` (it replaced ${done.previous})` : ""}.`);
      await render();
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) showIssues(e.problem.errors || [], "error");
      fail(e);
    }
  });
  paintGutter();
  return [
    el("h1", {}, "Policy"),
    el("p", { id: "active-version" }, activeVersion === null ? "No policy is active." : `Active: version ${activeVersion}, since ${fmtTime(history.active.activated_at)}.`),
    el("h2", {}, "History"),
    table(["Version", "Stored", "Note", ""], rows, "Policy versions"),
    diffBox,
    el("h2", {}, "Draft"),
    el("p", { id: "draft-help", class: "muted" }, "The active version as JSON (YAML works too). Check shows each issue at its line; What if replays stored leads through the active policy and the draft; nothing is stored until Apply."),
    el(
      "div",
      { class: "row" },
      el("button", { type: "button", id: "validate", onclick: check }, "Check draft"),
      el("label", { for: "whatif-since" }, "Replay leads of the last", whatIfSince),
      whatIf,
      el("label", { for: "apply-note" }, "Note (why)", change(note)),
      apply,
    ),
    issues,
    whatIfBox,
    el("div", { class: "editor" }, gutter, el("label", { for: "draft", class: "sr-only" }, "Draft policy"), draft),
  ];
}

// ---- the router -----------------------------------------------------------------------

const VIEWS = {
  overview: () => viewOverview(),
  leads: (_, params) => viewLeads(params),
  lead: (id) => viewLead(id),
  triage: () => viewTriage(),
  reps: () => viewReps(),
  fairness: (_, params) => viewFairness(params),
  policy: () => viewPolicy(),
  outcomes: (_, params) => viewOutcomes(params),
  shadow: (_, params) => viewShadow(params),
};

let rendering = 0;

async function render() {
  const ticket = ++rendering;
  const [path, search] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, arg] = path.split("/");
  const params = new URLSearchParams(search || "");
  const signedIn = Boolean(sessionStorage.getItem(TOKEN_KEY));
  if (signedIn && !me) {
    try {
      me = await api("GET", "/me");
    } catch (e) {
      fail(e);
      return;
    }
  }
  document.getElementById("nav").hidden = !me;
  document.getElementById("signout").hidden = !me;
  const who = document.getElementById("who");
  who.replaceChildren(...(me ? ["Signed in as ", me.id, " · ", el("span", { class: "role", id: "role" }, me.role)] : []));
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.getAttribute("href") === `#/${name}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const view = me ? VIEWS[name] : null;
  if (!view) {
    if (me && name !== "overview") {
      location.hash = "#/overview";
      return;
    }
    main.replaceChildren(...viewSignIn());
    main.dataset.view = "signin";
    return;
  }
  main.setAttribute("aria-busy", "true");
  try {
    const content = await view(arg ? decodeURIComponent(arg) : undefined, params);
    if (ticket !== rendering) return;
    main.replaceChildren(...[content].flat(3));
    sizeBars(main);
    main.dataset.view = name;
  } catch (e) {
    if (ticket !== rendering) return;
    main.replaceChildren(el("h1", {}, "Could not load this view"), el("p", { class: "bad" }, describe(e)));
    main.dataset.view = `${name}-failed`;
    fail(e);
  } finally {
    main.removeAttribute("aria-busy");
  }
}

document.getElementById("signout").addEventListener("click", () => signOut());
window.addEventListener("hashchange", () => {
  if (keepNotice) keepNotice = false;
  else clearNotice();
  render();
  main.focus();
});

// Learn how to sign in, finish a sign-in the pool sent the browser back from, then show
// the view the address names.
(async () => {
  await loadSignInConfig();
  try {
    await finishPoolSignIn();
  } catch (e) {
    if (e instanceof ApiError) fail(e);
    else show("error", `Sign-in failed: ${e.message}`);
  }
  await render();
})();
