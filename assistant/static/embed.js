/* 政策问答助手 loader for intranet pages, served by the app itself at /embed.js (nothing from a CDN).
 *
 *   <script src="https://intranet.example/policy-qa/embed.js" defer></script>
 *
 * adds a floating "政策问答" button that opens the assistant in a panel. The app's address is taken from
 * this script's own src, so it works under a proxy's sub-path. Options (attributes of the script tag):
 *   data-target="#box"   show the assistant inside that element instead of a floating panel
 *   data-label="…"       the button's text (default 政策问答)
 *   data-position="left" put the button at the bottom left (default right)
 *   data-open="true"     open the panel at once
 */
(function () {
  "use strict";
  var script = document.currentScript || (function () {
    var all = document.querySelectorAll('script[src*="embed.js"]');
    return all[all.length - 1];
  })();
  if (!script || script.getAttribute("data-loaded")) return;
  script.setAttribute("data-loaded", "true");
  var base = script.src.replace(/embed\.js(\?.*)?$/, "");
  var url = base + "?embed=1";
  var label = script.getAttribute("data-label") || "政策问答";
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";

  function frame() {
    var f = document.createElement("iframe");
    f.src = url;
    f.title = "政策问答助手";
    f.setAttribute("allow", "clipboard-write");
    f.className = "pqa-frame";
    return f;
  }

  var style = document.createElement("style");
  style.textContent =
    ".pqa-button{position:fixed;bottom:24px;" + side + ":24px;z-index:2147483000;display:flex;align-items:center;gap:8px;" +
    "padding:12px 18px;border:0;border-radius:999px;background:#1d4ed8;color:#fff;font:15px/1.2 system-ui,'PingFang SC'," +
    "'Microsoft YaHei',sans-serif;box-shadow:0 6px 20px rgba(29,78,216,.35);cursor:pointer}" +
    ".pqa-button:hover{background:#1e40af}.pqa-button .pqa-dot{width:10px;height:10px;border-radius:50%;background:#93c5fd}" +
    ".pqa-panel{position:fixed;bottom:86px;" + side + ":24px;z-index:2147483000;width:min(440px,calc(100vw - 32px));" +
    "height:min(720px,calc(100vh - 120px));background:#fff;border-radius:14px;overflow:hidden;display:none;" +
    "flex-direction:column;box-shadow:0 12px 40px rgba(0,0,0,.25)}.pqa-panel.pqa-open{display:flex}" +
    ".pqa-bar{display:flex;justify-content:space-between;align-items:center;padding:8px 12px;background:#1d4ed8;color:#fff;" +
    "font:14px system-ui,'PingFang SC','Microsoft YaHei',sans-serif}.pqa-bar a{color:#dbeafe;margin-right:12px}" +
    ".pqa-bar button{border:0;background:none;color:#fff;font-size:20px;cursor:pointer;line-height:1}" +
    ".pqa-frame{flex:1;width:100%;height:100%;border:0;display:block}" +
    "@media (max-width:640px){.pqa-panel{left:0;right:0;bottom:0;width:100vw;height:100%;border-radius:0}" +
    ".pqa-button[aria-expanded=true]{display:none}" +
    ".pqa-button{bottom:16px;" + side + ":16px}}";
  document.head.appendChild(style);

  var target = script.getAttribute("data-target");
  if (target) {  // inline: the assistant fills the given element
    var holder = document.querySelector(target);
    if (holder) {
      var inline = frame();
      inline.style.minHeight = "600px";
      holder.appendChild(inline);
    }
    return;
  }

  var panel = document.createElement("div");
  panel.className = "pqa-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "政策问答助手");
  panel.innerHTML = '<div class="pqa-bar"><span>政策问答助手</span><span><a target="_blank" rel="noopener">新窗口打开</a>' +
    '<button type="button" title="关闭" aria-label="关闭">×</button></span></div>';
  panel.querySelector("a").href = base;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "pqa-button";
  button.setAttribute("aria-expanded", "false");
  button.innerHTML = '<span class="pqa-dot"></span><span class="pqa-label"></span>';
  button.querySelector(".pqa-label").textContent = label;

  function toggle(open) {
    if (open && !panel.querySelector("iframe")) panel.appendChild(frame());  // loaded on first open
    panel.classList.toggle("pqa-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  button.addEventListener("click", function () { toggle(!panel.classList.contains("pqa-open")); });
  panel.querySelector(".pqa-bar button").addEventListener("click", function () { toggle(false); });

  function mount() {
    document.body.appendChild(panel);
    document.body.appendChild(button);
    if (script.getAttribute("data-open") === "true") toggle(true);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
