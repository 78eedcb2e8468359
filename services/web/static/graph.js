// The graph's hover titles on the page itself. Every bar, cell and edge of the SVG carries
// its exact value as a <title>, but a browser shows no title of an SVG drawn through <img>.
// So once the image has loaded, the same SVG is read again (from the HTTP cache the <img>
// has just filled) and put into the page in place of the image and its link, where the
// titles show under the pointer and reach screen readers. Without this script, or if
// anything here fails, the <img> stays: the graph is seen, and its link opens the SVG on its
// own, titles included. Served as a file so that the Content-Security-Policy can forbid
// inline scripts; the SVG holds no script and no inline style (telemetry's render/svg.py
// makes them presentation attributes), so the same policy lets it draw in the page.
(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const image = document.getElementById("graph-image");
  const link = document.getElementById("graph-link");
  if (!image || !link) return;

  const drawing = async () => {
    const answer = await fetch(image.currentSrc || image.src, { cache: "force-cache" });
    const type = answer.headers.get("Content-Type") || "";
    if (!answer.ok || !type.startsWith("image/svg+xml")) return null;
    const parsed = new DOMParser().parseFromString(await answer.text(), "image/svg+xml");
    const root = parsed.documentElement;
    const whole = root.namespaceURI === SVG && root.localName === "svg";
    return whole && !parsed.querySelector("parsererror") ? root : null;
  };

  const inline = async () => {
    const root = await drawing();
    if (!root) return false;
    const svg = document.importNode(root, true);
    svg.id = "graph-svg";
    svg.dataset.src = image.getAttribute("src");
    svg.classList.add("graph");
    // A group, not an image: an image's parts are hidden from screen readers, and each
    // part here is named by its title.
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label", image.alt);
    link.replaceWith(svg);
    return true;
  };

  // Whatever went wrong (an error answer, a body that is not an SVG), the image stays, marked
  // so that a reader of the page (or a test) knows the titles are behind its link.
  const kept = () => { image.dataset.hover = "link"; };
  const start = () => inline().then((done) => done || kept(), kept);
  if (!image.complete) image.addEventListener("load", start, { once: true });
  else if (image.naturalWidth > 0) start();
})();
