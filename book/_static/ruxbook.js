// ruxbook: a click on a figure opens it at full size (issue 13). Loaded by _config.yml.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".bd-article img").forEach(function (img) {
    if (img.closest("a")) return;
    var link = document.createElement("a");
    link.href = img.currentSrc || img.src;
    link.target = "_blank";
    link.rel = "noopener";
    link.className = "ruxbook-zoom";
    link.title = "Open the figure at full size";
    img.parentNode.insertBefore(link, img);
    link.appendChild(img);
  });
});
