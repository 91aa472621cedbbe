/*
 * protocold's operator page (protocold(8), THE PAGE). Plain JavaScript, no build step,
 * no network but the daemon's own read API (GET, relative URLs). Nothing here writes.
 *
 * What each number costs the daemon (every 10 s):
 *   - counts, next due, fired: GET /v1/stats, in-memory counters;
 *   - oldest due, lateness p99: GET /metrics, in-memory (the histogram's buckets);
 *   - forecast: GET /v1/forecast?within=Nh for N = 1..48, i.e. 48 indexed range counts
 *     (each hour is the difference of two consecutive horizons);
 *   - sellers at risk and closest protocols: GET /v1/protocols?state=pending|unresolved
 *     &due_before=<now+48h>&limit=1000, at most 5 pages each (10 pages of 1000 rows of an
 *     indexed list scan), then GET /v1/sellers/{id} for the top 10;
 * and on a click, GET /v1/protocols/{id}/history: one protocol's rows. The live feed is
 * one GET /v1/events?follow=1 stream.
 */
'use strict';

const REFRESH_MS = 10000;
/* The forecast and the lists behind the risk tables cost the daemon range scans (see
 * THE PAGE in protocold(8)): they are read again once a minute, not every refresh. */
const SLOW_REFRESH_MS = 60000;
let slowAt = -Infinity;
const HOURS = 48;
const PAGE_LIMIT = 1000;
const MAX_PAGES = 5;
const FEED_KEEP = 200;
const STATES = ['pending', 'awaiting', 'closed', 'unresolved', 'mediation', 'resolved'];
const LABELS = {
	pending: 'Pendente', awaiting: 'Aguardando', closed: 'Encerrado',
	unresolved: 'Não resolvido', mediation: 'Mediado', resolved: 'Resolvido',
};
const CAUSES = {
	create: 'criação', action: 'ação', event: 'evento', expiry: 'prazo vencido',
	warning: 'aviso',
};
const OUTCOMES = ['mediation', 'pending', 'resolved'];

const $ = (sel) => document.querySelector(sel);
const tid = (id) => document.querySelector('[data-testid="' + id + '"]');

/* The daemon's clock minus the browser's (the daemon may run a test clock). */
let clockOffsetMs = 0;
let chart = null;

async function getJSON(url) {
	const r = await fetch(url, { headers: { Accept: 'application/json' } });
	if (!r.ok)
		throw new Error(url + ': HTTP ' + r.status);
	return r.json();
}

async function getText(url) {
	const r = await fetch(url);
	if (!r.ok)
		throw new Error(url + ': HTTP ' + r.status);
	return r.text();
}

function el(tag, attrs, text) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {}))
		e.setAttribute(k, v);
	if (text !== undefined && text !== null)
		e.textContent = String(text);
	return e;
}

function row(attrs, cells) {
	const tr = el('tr', attrs);
	for (const c of cells)
		tr.appendChild(c instanceof Node ? c : el('td', {}, c));
	return tr;
}

/* An instant as the API gives it (RFC 3339 with the configured offset), readable and
 * keeping that offset: "2026-11-25 12:00:00 -03:00". */
function showInstant(s) {
	if (!s)
		return '—';
	const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(s);
	return m ? m[1] + ' ' + m[2] + ' ' + (m[3] === 'Z' ? '+00:00' : m[3]) : s;
}

function daemonNow() {
	return Date.now() + clockOffsetMs;
}

function countdown(dueIso) {
	let s = Math.floor((Date.parse(dueIso) - daemonNow()) / 1000);
	const sign = s < 0 ? '-' : '';
	s = Math.abs(s);
	const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
	return sign + h + 'h ' + String(m).padStart(2, '0') + 'm ' +
	    String(sec).padStart(2, '0') + 's';
}

function showError(msg) {
	$('#error').textContent = msg ? 'Erro: ' + msg : '';
}

/* --- counts and the scheduler's health (/v1/stats, /metrics) --------------------- */

function renderStats(st) {
	for (const s of STATES)
		tid('count-' + s).textContent = String(st.protocols.by_state[s]);
	tid('count-total').textContent = String(st.protocols.total);
	tid('fired-total').textContent = String(st.expirations_fired);
	const nd = st.clocks.next_due;
	const next = tid('next-due');
	next.textContent = nd ? showInstant(nd.at) : '—';
	next.title = nd ? nd.protocol + ' (' + nd.kind + ')' : 'nenhum prazo correndo';
	const tbody = $('#by-marketplace tbody');
	tbody.replaceChildren();
	for (const [name, m] of Object.entries(st.marketplaces || {}))
		tbody.appendChild(row({ 'data-marketplace': name },
		    [name, ...STATES.map((s) => m.by_state[s]), m.total]));
}

/* The value of a sample line "name{labels} value" of the text exposition. */
function metricSamples(text, name) {
	const out = [];
	for (const line of text.split('\n')) {
		if (!line.startsWith(name))
			continue;
		const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
		if (m && m[1] === name)
			out.push({ labels: m[2] || '', value: Number(m[3]) });
	}
	return out;
}

/* p99 of a Prometheus histogram, in ms: the upper bound of the bucket the 99th
 * percentile falls in (null when nothing was observed). */
function histogramP99ms(text, base) {
	const buckets = metricSamples(text, base + '_bucket').map((b) => ({
		le: /le="([^"]+)"/.exec(b.labels)[1], n: b.value,
	}));
	const total = buckets.length ? buckets[buckets.length - 1].n : 0;
	if (total === 0)
		return null;
	const want = Math.ceil(total * 0.99);
	for (const b of buckets)
		if (b.n >= want)
			return b.le === '+Inf' ? Infinity : Number(b.le) * 1000;
	return null;
}

function renderMetrics(st, text) {
	const oldest = metricSamples(text, 'protocold_scheduler_oldest_due_seconds');
	tid('oldest-due-seconds').textContent = oldest.length ? String(oldest[0].value) : '—';
	const p99 = tid('lateness-p99');
	if (st.lateness_p99_ms !== undefined) {
		p99.textContent = String(st.lateness_p99_ms);
		p99.title = 'de /v1/stats (lateness_p99_ms)';
		return;
	}
	const v = histogramP99ms(text, 'protocold_firing_lateness_seconds');
	p99.textContent = v === null ? '0' : v === Infinity ? '>86400000' : String(v);
	p99.title = 'calculado do histograma protocold_firing_lateness_seconds de /metrics ' +
	    '(limite superior do balde do p99)' + (v === null ? '; nenhum prazo aplicado ainda' : '');
}

/* --- forecast: 48 horizons, each hour the difference of two ----------------------- */

async function loadForecast() {
	const hs = [];
	for (let n = 1; n <= HOURS; n++)
		hs.push(getJSON('v1/forecast?within=' + n + 'h'));
	const fc = await Promise.all(hs);
	const hours = [];
	let prev = { mediation: 0, pending: 0, resolved: 0 };
	for (let h = 0; h < HOURS; h++) {
		const cur = fc[h].by_outcome, d = {};
		for (const o of OUTCOMES)
			d[o] = cur[o] - prev[o];
		hours.push({ until: fc[h].until, counts: d });
		prev = cur;
	}
	return { hours, until48: fc[HOURS - 1].until };
}

function renderForecast(hours) {
	const tbody = tid('forecast-table').querySelector('tbody');
	tbody.replaceChildren();
	hours.forEach((h, i) => {
		const tr = el('tr', { 'data-hour': String(i) });
		tr.appendChild(el('td', {}, '+' + i + 'h'));
		tr.appendChild(el('td', {}, showInstant(h.until)));
		for (const o of OUTCOMES)
			tr.appendChild(el('td', { 'data-outcome': o }, h.counts[o]));
		tbody.appendChild(tr);
	});
	renderChart(hours);
}

function renderChart(hours) {
	if (typeof window.Chart === 'undefined') {
		$('#chart-missing').hidden = false;
		return;
	}
	const labels = hours.map((h, i) => '+' + i + 'h');
	const colors = { mediation: '#c0392b', pending: '#e67e22', resolved: '#27ae60' };
	const names = { mediation: '→ Mediado', pending: '→ Pendente', resolved: '→ Resolvido' };
	const datasets = OUTCOMES.map((o) => ({
		label: names[o], backgroundColor: colors[o], data: hours.map((h) => h.counts[o]),
	}));
	if (chart) {
		chart.data.labels = labels;
		chart.data.datasets.forEach((ds, i) => { ds.data = datasets[i].data; });
		chart.update('none');
		return;
	}
	chart = new window.Chart(tid('forecast-chart'), {
		type: 'bar',
		data: { labels, datasets },
		options: {
			animation: false, responsive: true, maintainAspectRatio: false,
			scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true,
			    ticks: { precision: 0 } } },
		},
	});
}

/* --- the protocols heading to mediation within 48 h ------------------------------ */

/* Up to MAX_PAGES pages of a list: { items, cut }. */
async function listPages(query) {
	let items = [], after = null, pages = 0;
	do {
		const url = 'v1/protocols?' + query + '&limit=' + PAGE_LIMIT +
		    (after ? '&after=' + encodeURIComponent(after) : '');
		const page = await getJSON(url);
		items = items.concat(page.items);
		after = page.next;
		pages++;
	} while (after && pages < MAX_PAGES);
	return { items, cut: Boolean(after) };
}

function headsToMediation(p) {
	if (!p.clock)
		return false;
	if (p.clock.explain && p.clock.explain.on_expiry)
		return p.clock.explain.on_expiry === 'mediation';
	return p.clock.kind === 'response';
}

async function loadHeading(until48) {
	const due = 'due_before=' + encodeURIComponent(until48);
	const lists = await Promise.all([listPages('state=pending&' + due),
	    listPages('state=unresolved&' + due)]);
	const items = lists[0].items.concat(lists[1].items).filter(headsToMediation);
	return { items, cut: lists[0].cut || lists[1].cut };
}

/* A seller's protocols by state (GET /v1/sellers/{id}: its counters), the states it
 * has any in. */
function sellerStates(counts) {
	return STATES.filter((st) => counts && counts[st] > 0)
	    .map((st) => LABELS[st] + ' ' + counts[st]).join(' · ') || '—';
}

async function renderRisk(heading) {
	const bySeller = new Map();
	for (const p of heading.items)
		bySeller.set(p.seller, (bySeller.get(p.seller) || 0) + 1);
	const top = [...bySeller.entries()]
	    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
	const sellers = await Promise.all(top.map(([id]) =>
	    getJSON('v1/sellers/' + encodeURIComponent(id))));
	const tbody = tid('risk-sellers').querySelector('tbody');
	tbody.replaceChildren();
	top.forEach(([id, n], i) => {
		tbody.appendChild(row({ 'data-seller': id }, [
			el('td', { 'data-col': 'seller' }, id),
			el('td', { 'data-col': 'heading' }, n),
			el('td', { 'data-col': 'mediations-30d' }, sellers[i].mediations_30d),
			el('td', { 'data-col': 'by-state' }, sellerStates(sellers[i].counts)),
		]));
	});
	const cut = $('#risk-cut');
	cut.hidden = !heading.cut;
	cut.textContent = heading.cut ? 'Lista cortada: só as primeiras ' +
	    MAX_PAGES * PAGE_LIMIT + ' linhas de cada estado (pendente, não resolvido) ' +
	    'foram lidas; os números desta tabela e da seguinte são parciais.' : '';
}

function renderClosest(heading) {
	const items = heading.items.slice().sort((a, b) =>
	    Date.parse(a.clock.due_at) - Date.parse(b.clock.due_at)).slice(0, 20);
	const tbody = tid('closest').querySelector('tbody');
	tbody.replaceChildren();
	for (const p of items) {
		const tr = row({ 'data-protocol': p.id, tabindex: '0' }, [
			el('td', { 'data-col': 'id' }, p.id),
			el('td', { 'data-col': 'seller' }, p.seller),
			el('td', { 'data-col': 'state' }, p.state_label || LABELS[p.state]),
			el('td', { 'data-col': 'due' }, showInstant(p.clock.due_at)),
			el('td', { 'data-col': 'countdown', 'data-due': p.clock.due_at },
			    countdown(p.clock.due_at)),
		]);
		tr.addEventListener('click', () => openTimeline(p.id));
		tr.addEventListener('keydown', (e) => {
			if (e.key === 'Enter')
				openTimeline(p.id);
		});
		tbody.appendChild(tr);
	}
}

function tickCountdowns() {
	for (const td of document.querySelectorAll('[data-col="countdown"][data-due]'))
		td.textContent = countdown(td.getAttribute('data-due'));
}

/* --- a protocol's timeline -------------------------------------------------------- */

async function openTimeline(id) {
	const box = tid('timeline');
	try {
		const enc = encodeURIComponent(id);
		const [p, hist] = await Promise.all([getJSON('v1/protocols/' + enc),
		    getJSON('v1/protocols/' + enc + '/history')]);
		$('#timeline-id').textContent = id + ' (' + p.state_label + ')';
		tid('timeline-explain').textContent = p.clock && p.clock.explain ?
		    p.clock.explain.text : 'Nenhum prazo correndo.';
		const tbody = box.querySelector('tbody');
		tbody.replaceChildren();
		for (const e of hist.items)
			tbody.appendChild(row({ 'data-seq': String(e.seq) }, [
				e.seq, CAUSES[e.cause] || e.cause, e.name,
				(e.from ? LABELS[e.from] : '—') + ' → ' + LABELS[e.to],
				showInstant(e.at), showInstant(e.due_at),
				e.late_ms === undefined ? '—' : e.late_ms,
			]));
		box.hidden = false;
	} catch (err) {
		showError(err.message);
	}
}

/* --- refresh every 10 s ------------------------------------------------------------ */

let refreshing = false;	/* one refresh at a time, even when one takes over 10 s */
let refreshes = 0;

async function refresh() {
	if (refreshing)
		return;
	refreshing = true;
	try {
		const [st, metrics] = await Promise.all([getJSON('v1/stats'),
		    getText('metrics')]);
		clockOffsetMs = Date.parse(st.now) - Date.now();
		renderStats(st);
		renderMetrics(st, metrics);
		if (Date.now() - slowAt >= SLOW_REFRESH_MS) {
			const fc = await loadForecast();
			renderForecast(fc.hours);
			const heading = await loadHeading(fc.until48);
			renderClosest(heading);
			await renderRisk(heading);
			slowAt = Date.now();
		}
		tid('updated-at').textContent = showInstant(st.now);
		tid('updated-at').setAttribute('data-at', st.now);
		tid('updated-at').setAttribute('data-refreshes', String(++refreshes));
		showError('');
		if (!feedStarted) {
			feedStarted = true;
			followFeed(st.feed_last_seq || 0);
		}
	} catch (err) {
		showError(err.message);
	} finally {
		refreshing = false;
	}
}

/* --- the live feed: /v1/events?follow=1, NDJSON ----------------------------------- */

let feedStarted = false;
let feedPaused = false;
const feedBuffer = [];		/* entries that came while paused */
const sellerOf = new Map();	/* protocol → its seller, once read (the feed's entries
				 * carry none) */
const sellerAsked = new Map();	/* protocol → the read of its seller, under way */

/* The seller of protocol id: read once, in the background, so that a burst of entries
 * shows at once and each row gets its seller when it arrives. */
function sellerFor(id) {
	if (!sellerAsked.has(id))
		sellerAsked.set(id, getJSON('v1/protocols/' + encodeURIComponent(id))
		    .then((p) => p.seller, () => '')
		    .then((s) => { sellerOf.set(id, s); return s; }));
	return sellerAsked.get(id);
}

function feedFilter() {
	return $('#feed-seller').value.trim();
}

function applyFilter(tr) {
	const f = feedFilter();
	tr.hidden = f !== '' && tr.getAttribute('data-seller') !== f;
}

const FEED_SELLER_CELL = 2;

function showFeedEntry(e) {
	const tbody = tid('feed').querySelector('tbody');
	const tr = row({ 'data-seq': String(e.seq), 'data-protocol': e.protocol,
	    'data-seller': e.seller }, [
		e.seq, e.protocol, e.seller, CAUSES[e.cause] || e.cause, e.name,
		(e.from ? LABELS[e.from] : '—') + ' → ' + LABELS[e.to], showInstant(e.at),
	]);
	e.tr = tr;
	applyFilter(tr);
	tbody.insertBefore(tr, tbody.firstChild);
	while (tbody.children.length > FEED_KEEP)
		tbody.removeChild(tbody.lastChild);
}

function fillSeller(e, seller) {
	e.seller = seller;
	if (!e.tr)
		return;		/* still held by a pause: shown with its seller later */
	e.tr.setAttribute('data-seller', seller);
	e.tr.children[FEED_SELLER_CELL].textContent = seller;
	applyFilter(e.tr);
}

function takeFeedEntry(e) {
	e.seller = sellerOf.get(e.protocol) || '';
	if (feedPaused) {
		feedBuffer.push(e);
		if (feedBuffer.length > FEED_KEEP)
			feedBuffer.shift();
	} else {
		showFeedEntry(e);
	}
	if (!sellerOf.has(e.protocol))
		sellerFor(e.protocol).then((s) => fillSeller(e, s));
}

function feedStatus(text) {
	$('#feed-status').textContent = text;
}

/* Follow from seq `after`; on an end or error, again from the last seq seen. */
async function followFeed(after) {
	let last = after;
	for (;;) {
		try {
			const r = await fetch('v1/events?follow=1&after=' + last);
			if (r.status === 409) {
				/* cursor_ahead: the database went back; restart where it ends. */
				const pb = await r.json();
				const m = /ends at seq (\d+)/.exec(pb.detail || '');
				last = m ? Number(m[1]) : 0;
				feedStatus('o feed recomeçou (banco restaurado?): seguindo de ' +
				    last);
				await new Promise((res) => setTimeout(res, 1000));
				continue;
			}
			if (!r.ok || !r.body)
				throw new Error('feed: HTTP ' + r.status);
			feedStatus('conectado');
			const reader = r.body.getReader();
			const dec = new TextDecoder();
			let buf = '';
			for (;;) {
				const { value, done } = await reader.read();
				if (done)
					break;
				buf += dec.decode(value, { stream: true });
				let nl;
				while ((nl = buf.indexOf('\n')) >= 0) {
					const line = buf.slice(0, nl).trim();
					buf = buf.slice(nl + 1);
					if (line === '')
						continue;	/* a heartbeat */
					const e = JSON.parse(line);
					last = Math.max(last, e.seq);
					takeFeedEntry(e);
				}
			}
		} catch (err) {
			feedStatus('desconectado (' + err.message + '); reconectando…');
		}
		await new Promise((res) => setTimeout(res, 1000));
	}
}

function setupFeedControls() {
	const btn = tid('feed-pause');
	btn.addEventListener('click', () => {
		feedPaused = !feedPaused;
		btn.textContent = feedPaused ? 'Continuar' : 'Pausar';
		btn.setAttribute('aria-pressed', String(feedPaused));
		if (!feedPaused)
			while (feedBuffer.length)
				showFeedEntry(feedBuffer.shift());
	});
	$('#feed-seller').addEventListener('input', () => {
		for (const tr of tid('feed').querySelectorAll('tbody tr'))
			applyFilter(tr);
	});
}

setupFeedControls();
refresh();
setInterval(refresh, REFRESH_MS);
setInterval(tickCountdowns, 1000);
