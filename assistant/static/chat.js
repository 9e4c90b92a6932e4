/* The chat page's behaviour (loaded in <head> by assistant/web.py; no external resources).
 * Citation panel, example cards that send at once, input rules (counter, no empty or over-long send),
 * the answer action bar (copy clean text, one changeable judgement with an optional reason), scrolling
 * a new answer to its start, deep links into 文件浏览, and Chinese for the few strings Gradio's own
 * zh-CN translation leaves in English. */
(function () {
  "use strict";
  if (window.__policyQA) return;
  window.__policyQA = true;

  /* ---------------------------------------------------------------- storage a cross-site iframe is denied
   * Inside an iframe on another site's page (an intranet portal, the embed loader's panel) Chromium denies
   * the page its storage when third-party site data is blocked: reading `window.localStorage` throws
   * "Access is denied for this document". Gradio's BrowserState (the conversation list) reads it unguarded
   * while mounting; the error aborts Svelte's pending effects and, depending on which lazily loaded
   * component arrives first, the chat tab never leaves "加载中…". This script runs before Gradio mounts the
   * components (it is part of the page's head), so a denied storage is replaced here by one kept in memory
   * for the page's lifetime: the page renders, and the list simply is not kept across reloads. */
  function memoryStorage() {
    var items = {};
    return {
      getItem: function (key) { return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null; },
      setItem: function (key, value) { items[key] = String(value); },
      removeItem: function (key) { delete items[key]; },
      clear: function () { items = {}; },
      key: function (i) { return Object.keys(items)[i] === undefined ? null : Object.keys(items)[i]; },
      get length() { return Object.keys(items).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try { if (window[name]) return; } catch (denied) { /* replaced below */ }
    try {
      Object.defineProperty(window, name, { configurable: true, enumerable: true, value: memoryStorage() });
      window.__paMemoryStorage = true;
    } catch (e) { /* nothing else to try */ }
  });

  var ENGLISH = {
    "Copy message": "复制", "Copied message": "已复制", "Copy": "复制", "Copied!": "已复制", "Copied": "已复制",
    "Like": "有用", "Dislike": "无用", "Liked": "已评为有用", "Disliked": "已评为无用", "Clear": "清除",
    "Retry": "重试", "Undo": "撤销", "Edit": "编辑", "Share": "分享", "Info": "提示", "Warning": "提示",
    "Error": "错误", "Close": "关闭", "chatbot conversation": "对话内容", "Loading...": "加载中…",
    "Loading": "加载中", "Submit": "提交", "Stop": "停止", "Open Sidebar": "展开侧栏", "Close Sidebar": "收起侧栏",
    "Toggle Sidebar": "展开/收起侧栏", "Select all": "全选", "Remove": "移除", "Clear all": "全部清除",
    "Clear All": "全部清除", "Scroll down": "滚动到底部", "Scroll to bottom": "滚动到底部", "Settings": "设置",
    "Download": "下载", "Upload": "上传", "Fullscreen": "全屏", "Exit fullscreen mode": "退出全屏",
    "Exit fullscreen": "退出全屏", "Dropdown": "下拉菜单", "Connection errored out.": "连接出错。",
    "Connection lost": "连接已断开", "Error: Connection lost": "连接已断开",
    "More tabs": "更多标签页", "Textbox": "文本框", "Checkbox": "复选框", "Radio": "单选", "Chatbot": "对话",
    "Expand": "展开", "Collapse": "收起", "Search": "搜索", "No results": "无结果"
  };
  var ATTRS = ["aria-label", "title", "placeholder", "alt"];

  function limit() {
    var el = document.querySelector(".app-header[data-limit]");
    return el ? parseInt(el.getAttribute("data-limit"), 10) || 500 : 500;
  }
  function box() { return document.querySelector("#question textarea"); }
  function sendButton() { return document.querySelector("#send"); }

  /* ---------------------------------------------------------------- Chinese for leftover strings
   * Gradio writes a few strings in English whatever the locale (toast titles "Info"/"Warning", the status
   * tracker's "queue: 1/1 |" and "processing |", the upload client's size message). They are translated in
   * the MutationObserver callback itself, a microtask after Gradio wrote them, so no frame shows English. */
  // the upload client's own message for a file over max_file_size, before anything is sent
  var OVERSIZE = /^File\(s\) exceed the maximum allowed size of ([^:]+): (.*)$/;
  function translateAttributes(el) {
    ATTRS.forEach(function (name) {
      var value = el.getAttribute(name);
      if (!value) return;
      if (ENGLISH[value]) el.setAttribute(name, ENGLISH[value]);
      else if (/^(user|bot)'s message: /.test(value)) el.setAttribute(name, value.indexOf("user") === 0 ? "提问" : "回答");
    });
  }
  function translateText(node) {
    var text = node.nodeValue.trim();
    if (!text || !/[A-Za-z]/.test(text) || (node.parentElement && node.parentElement.closest(".reply, .message.user"))) return;
    if (ENGLISH[text]) node.nodeValue = node.nodeValue.replace(text, ENGLISH[text]);
    else if (/^(processing|queue:?)\b/.test(text)) {  // the status tracker's line
      node.nodeValue = node.nodeValue.replace(/processing/, "处理中").replace(/queue:?/, "排队：");
    } else if (OVERSIZE.test(text)) {
      node.nodeValue = text.replace(OVERSIZE, function (all, size, names) {
        size = size.replace(/ ([KMGT]?)b$/i, function (all, unit) { return " " + unit.toUpperCase() + "B"; });
        return "文件超过允许的大小（" + size + "），未上传：" + names.replace(/"/g, "").replace(/, /g, "、");
      });
    }
  }
  function translate(root) {
    if (root.nodeType === 3) { translateText(root); return; }
    if (root.nodeType !== 1) return;
    if (root.hasAttribute && ATTRS.some(function (name) { return root.hasAttribute(name); })) translateAttributes(root);
    root.querySelectorAll("[aria-label],[title],[placeholder],[alt]").forEach(translateAttributes);
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, null);
    var node;
    while ((node = walker.nextNode())) translateText(node);
  }

  /* ---------------------------------------------------------------- citation panel */
  function panel() {
    var el = document.getElementById("cite-panel");
    if (el) return el;
    el = document.createElement("aside");
    el.id = "cite-panel";
    el.setAttribute("role", "dialog");
    el.setAttribute("aria-label", "引用原文");
    el.innerHTML = '<div class="cp-bar"><span class="cp-title">引用原文</span>' +
      '<button type="button" class="cp-close" title="关闭" aria-label="关闭">×</button></div><div class="cp-body"></div>';
    document.body.appendChild(el);
    el.querySelector(".cp-close").addEventListener("click", closePanel);
    return el;
  }
  function closePanel() {
    var el = document.getElementById("cite-panel");
    if (el) el.classList.remove("open");
    document.querySelectorAll("#chat .cite.active").forEach(function (b) { b.classList.remove("active"); });
  }
  function openCitation(button) {
    var reply = button.closest(".reply");
    var n = parseInt(button.textContent, 10);
    var detail = reply && reply.querySelector(".cite-detail.cd-" + n);
    if (!detail) return;
    var el = panel();
    var body = el.querySelector(".cp-body");
    body.innerHTML = detail.innerHTML;
    var link = body.querySelector(".cd-link");
    if (link) { link.setAttribute("target", "_blank"); link.setAttribute("rel", "noopener"); }
    document.querySelectorAll("#chat .cite.active").forEach(function (b) { b.classList.remove("active"); });
    button.classList.add("active");
    el.classList.add("open");
    var mark = body.querySelector("mark.used");
    if (mark) mark.scrollIntoView({ block: "nearest" });
  }

  /* ---------------------------------------------------------------- input rules */
  function counter() {
    var textarea = box();
    if (!textarea) return null;
    var holder = document.querySelector("#composer");
    var el = document.getElementById("char-count");
    if (!el && holder) {
      el = document.createElement("div");
      el.id = "char-count";
      el.setAttribute("aria-live", "polite");
      holder.appendChild(el);
    }
    return el;
  }
  function checkInput() {
    var textarea = box(), send = sendButton();
    if (!textarea || !send) return;
    var length = textarea.value.trim().length, max = limit();
    var el = counter();
    if (el) {
      set(el, "textContent", textarea.value.length + " / " + max);
      el.classList.toggle("over", textarea.value.length > max);
      el.classList.toggle("empty", textarea.value.length === 0);
      set(el, "title", textarea.value.length > max ? "问题超过 " + max + " 字，请删减后发送" : "已输入字数 / 上限");
    }
    var blocked = length === 0 || textarea.value.length > max;
    if (send.disabled !== blocked) send.disabled = blocked;
    set(send, "title", length === 0 ? "请输入问题" : (textarea.value.length > max ? "问题过长" : "发送"));
  }
  function set(el, key, value) { if (el[key] !== value) el[key] = value; }
  function sendQuestion(text) {
    var textarea = box(), send = sendButton();
    if (!textarea || !send) return;
    textarea.value = text;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    checkInput();
    setTimeout(function () { if (!send.disabled) send.click(); }, 50);
  }

  /* ---------------------------------------------------------------- answer actions */
  var judged = {};  // answer id -> "up" | "down"
  function bridge(payload) {
    var field = document.querySelector("#action textarea, #action input");
    var go = document.querySelector("#action-go");
    if (!field || !go) return;
    field.value = JSON.stringify(payload);
    field.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(function () { go.click(); }, 30);
  }
  function answerId(bar) {
    var name = Array.prototype.find.call(bar.classList, function (c) { return c.indexOf("aid-") === 0; });
    return name ? name.slice(4) : "";
  }
  function paint(bar) {
    var id = answerId(bar);
    ["up", "down"].forEach(function (kind) {
      var button = bar.querySelector(".act." + kind);
      if (button) {
        var on = judged[id] === kind;
        button.classList.toggle("on", on);
        button.setAttribute("aria-pressed", on ? "true" : "false");
      }
    });
  }
  function judge(bar, kind) {
    var id = answerId(bar);
    var reason = bar.querySelector(".reason");
    if (judged[id] === kind) {  // the same button again withdraws the judgement
      delete judged[id];
      if (reason) reason.remove();
      bridge({ answer_id: id, liked: null });
    } else {
      judged[id] = kind;
      bridge({ answer_id: id, liked: kind === "up" });
      if (reason) reason.remove();
      if (kind === "down") askReason(bar, id);
    }
    paint(bar);
  }
  function askReason(bar, id) {
    var form = document.createElement("div");
    form.className = "reason";
    form.innerHTML = '<input type="text" maxlength="500" placeholder="哪里不对？（可选，如：部门错了、缺少条款）" aria-label="原因">' +
      '<button type="button" class="reason-send">提交原因</button>';
    bar.appendChild(form);
    form.querySelector("input").focus();
    form.querySelector(".reason-send").addEventListener("click", function () {
      var text = form.querySelector("input").value.trim();
      if (text) bridge({ answer_id: id, liked: false, reason: text });
      form.remove();
    });
  }
  function copy(text, button) {
    function done() {
      window.__paLastCopy = text;
      var label = button.textContent;
      button.textContent = "已复制";
      setTimeout(function () { button.textContent = label; }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else { fallbackCopy(text); done(); }
  }
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing else to try */ }
    area.remove();
  }

  /* ---------------------------------------------------------------- clicks */
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var cite = target.closest("#chat .cite");
    if (cite) { event.preventDefault(); openCitation(cite); return; }
    var example = target.closest(".example");
    if (example) {  // the placeholder's sanitizer drops data-* attributes: the question is the card's text
      event.preventDefault();
      var question = example.querySelector(".ex-q");
      sendQuestion(example.getAttribute("data-q") || (question ? question.textContent : ""));
      return;
    }
    var act = target.closest(".actions .act");
    if (act) {
      event.preventDefault();
      var bar = act.closest(".actions");
      var text = bar.querySelector(".copy-text");
      if (act.classList.contains("copy")) copy(text ? text.getAttribute("title") : "", act);
      else judge(bar, act.classList.contains("up") ? "up" : "down");
      return;
    }
    var link = target.closest("#chat .cd-link");
    if (link) { event.preventDefault(); window.open(link.href, "_blank", "noopener"); }
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closePanel();
    var textarea = box();
    if (event.target !== textarea || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    var value = textarea.value;
    if (!value.trim() || value.length > limit()) { event.preventDefault(); event.stopPropagation(); checkInput(); }
  }, true);
  document.addEventListener("input", function (event) { if (event.target === box()) checkInput(); }, true);

  /* ---------------------------------------------------------------- watching the page */
  var seenUsers = 0, scrolledTarget = null, anchor = null;
  function scroller(el) {  // the element that scrolls the conversation
    for (var node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      var overflow = getComputedStyle(node).overflowY;
      if ((overflow === "auto" || overflow === "scroll") && node.scrollHeight > node.clientHeight) return node;
    }
    return null;
  }
  function scrollNewQuestion() {
    // a new question is kept at the top while its answer arrives, so the answer is read from its start
    var rows = document.querySelectorAll("#chat .message-row.user-row");
    if (rows.length > seenUsers) anchor = rows[rows.length - 1];
    seenUsers = rows.length;
    if (!anchor || !anchor.isConnected) { anchor = null; return; }
    var box = scroller(anchor);
    if (box) box.scrollTop += anchor.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    var bots = document.querySelectorAll("#chat .message-row.bot-row");
    var last = bots[bots.length - 1];
    if (last && last.compareDocumentPosition(anchor) & Node.DOCUMENT_POSITION_PRECEDING &&
        last.querySelector(".actions, .error")) anchor = null;  // the answer is complete
  }
  function deepLink() {
    var target = document.querySelector("#doc-view details.target");
    if (target && target !== scrolledTarget && target.offsetParent !== null) {
      scrolledTarget = target;
      target.scrollIntoView({ block: "center" });
    }
  }
  var sidebarChecked = false;
  function narrowSidebar() {  // on a phone (or a narrow embed) the side bar starts closed
    var bar = document.querySelector("#sidebar");
    if (sidebarChecked || !bar) return;
    sidebarChecked = true;
    if (window.innerWidth < 768 && bar.classList.contains("open")) {
      var toggle = bar.querySelector(".toggle-button");
      if (toggle) toggle.click();
    }
  }
  var queued = false;
  function tick() {
    queued = false;
    narrowSidebar();
    translate(document.body);
    document.querySelectorAll("#chat .actions").forEach(paint);
    scrollNewQuestion();
    checkInput();
    deepLink();
  }
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      if (record.type === "characterData") translateText(record.target);
      else if (record.type === "attributes") { if (record.target.nodeType === 1) translateAttributes(record.target); }
      else record.addedNodes.forEach(translate);
    });
    if (!queued) { queued = true; requestAnimationFrame(tick); }
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true, attributes: true,
                                          attributeFilter: ["aria-label", "title", "placeholder", "open"] });
  document.addEventListener("DOMContentLoaded", tick);
})();
