/* Chinese for Swagger UI's own labels on /docs (Swagger UI has no translations of its own).
 * Loaded after swagger-ui-bundle.js by the /docs page. Only the interface's words are translated: paths,
 * HTTP methods, schema and field names, JSON and curl stay as they are (they are what a developer types).
 * Swagger UI is a React app that rewrites its text as panels open and close, so every text node and
 * tooltip is translated as it appears, in the MutationObserver callback (before the next paint). */
(function () {
  "use strict";
  var WORDS = {
    "Parameters": "参数", "No parameters": "无参数", "Try it out": "试一试", "Cancel": "取消", "Execute": "执行",
    "Clear": "清除", "Responses": "响应", "Response": "响应", "Request body": "请求体", "Code": "状态码",
    "Description": "说明", "Links": "链接", "No links": "无", "Media type": "媒体类型", "Controls": "控制",
    "Example Value": "示例值", "Schema": "结构", "Schemas": "数据结构", "Edit Value": "编辑值",
    "Request URL": "请求地址", "Server response": "服务器响应", "Response body": "响应内容",
    "Response headers": "响应头", "Details": "详情", "Download": "下载", "Curl": "curl 命令",
    "Authorize": "认证", "Available authorizations": "可用的认证方式", "Logout": "退出", "Close": "关闭",
    "Expand all": "全部展开", "Collapse all": "全部收起", "Successful Response": "成功", "Validation Error": "参数校验错误",
    "Loading...": "加载中…", "Failed to fetch.": "请求失败。", "Failed to fetch": "请求失败", "required": "必填",
    "Servers": "服务器", "Filter by tag": "按标签筛选", "Undocumented": "未说明", "Default": "默认",
    "Copy to clipboard": "复制到剪贴板", "Collapse operation": "收起此接口", "Expand operation": "展开此接口",
    "Media Type": "媒体类型", "Request content type": "请求内容类型", "Response content type": "响应内容类型",
    "authorization button unlocked": "认证（未认证）", "authorization button locked": "认证（已认证）",
    "Bad Request": "请求无效", "Unauthorized": "未登录", "Forbidden": "无权限", "Not Found": "未找到",
    "Payload Too Large": "请求体过大", "Content Too Large": "请求体过大", "Unprocessable Entity": "参数无效",
    "Unprocessable Content": "参数无效", "Too Many Requests": "请求过多", "Internal Server Error": "服务器内部错误",
    "Service Unavailable": "服务暂不可用", "Undocumented response": "未说明的响应"
  };
  var ATTRS = ["title", "aria-label", "placeholder"];

  function word(text) {
    var key = text.trim();
    if (WORDS[key]) return text.replace(key, WORDS[key]);
    var error = /^Error: (.+)$/.exec(key);  // "Error: Bad Request" under a failed try-out
    if (error) return "错误：" + (WORDS[error[1]] || error[1]);
    return null;
  }
  function translateText(node) {
    if (!/[A-Za-z]/.test(node.nodeValue)) return;
    var parent = node.parentElement;
    if (parent && parent.closest("pre, code, textarea, .microlight, .model-title, .prop-name, .opblock-summary-path")) return;
    var done = word(node.nodeValue);
    if (done !== null && done !== node.nodeValue) node.nodeValue = done;
  }
  function translateAttributes(el) {
    ATTRS.forEach(function (name) {
      var value = el.getAttribute(name);
      var done = value && word(value);
      if (done && done !== value) el.setAttribute(name, done);
    });
  }
  function translate(root) {
    if (root.nodeType === 3) { translateText(root); return; }
    if (root.nodeType !== 1) return;
    translateAttributes(root);
    root.querySelectorAll("[title],[aria-label],[placeholder]").forEach(translateAttributes);
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, null);
    var node;
    while ((node = walker.nextNode())) translateText(node);
  }
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      if (record.type === "characterData") translateText(record.target);
      else if (record.type === "attributes") translateAttributes(record.target);
      else record.addedNodes.forEach(translate);
    });
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true, attributes: true,
                                          attributeFilter: ATTRS });
  if (document.body) translate(document.body);
  document.documentElement.lang = "zh-CN";
})();
