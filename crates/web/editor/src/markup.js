// The Markdown the toolbar writes for photos, galleries, embeds and "Lire
// aussi" links: the same forms Kiosque's renderer, its gallery editor and
// its WordPress import read and write.

function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/[\r\n]+/g, " ");
}

/** As kiosque-core's gallery `escape_alt`. */
function escapeAlt(text) {
  return String(text).replace(/[\r\n]+/g, " ").replace(/[\\[\]*_`<!]/g, (c) => "\\" + c);
}

/** As kiosque-core's gallery `escape_title`. */
function escapeTitle(text) {
  return String(text).replace(/[\r\n]+/g, " ").replace(/[\\"]/g, (c) => "\\" + c);
}

/** A photo of the library as a figure with its caption and credit. */
export function figure(photo) {
  let out = '<figure><img src="/media/' + escapeHtml(photo.file) + '" alt="' + escapeHtml(photo.alt || "") + '"';
  if (photo.width && photo.height) {
    out += ' width="' + Number(photo.width) + '" height="' + Number(photo.height) + '"';
  }
  out += ">";
  const caption = (photo.caption || "").trim();
  const credit = (photo.credit || "").trim();
  if (caption || credit) {
    out += "<figcaption>" + escapeHtml(caption);
    if (credit) {
      out += (caption ? " " : "") + "<small>© " + escapeHtml(credit) + "</small>";
    }
    out += "</figcaption>";
  }
  return out + "</figure>";
}

/** Photos of the library as a gallery block (as `Gallery::to_markdown`). */
export function gallery(photos) {
  let out = "```gallery\n";
  photos.forEach((p) => {
    out += "![" + escapeAlt(p.alt || "") + "](/media/" + p.file;
    if ((p.caption || "").trim()) {
      out += ' "' + escapeTitle(p.caption) + '"';
    }
    out += ")\n";
  });
  return out + "```";
}

/** "Lire aussi" and a link to another article of the site. */
export function readAlso(label, title, path) {
  const text = String(title).replace(/[\r\n]+/g, " ").replace(/[\\[\]]/g, (c) => "\\" + c);
  return "**" + label + "** [" + text + "](" + path.replace(/[()\s]/g, encodeURIComponent) + ")";
}

/** Whether a link typed by the writer is one: a web or mail address, or a
 * path of this site. */
export function linkTarget(value) {
  const v = String(value || "").trim();
  if (!v) {
    return null;
  }
  if (v.startsWith("/") && !v.startsWith("//")) {
    return v;
  }
  try {
    const url = new URL(v);
    if (["http:", "https:", "mailto:"].includes(url.protocol) && (url.protocol === "mailto:" || url.hostname.includes("."))) {
      return v;
    }
  } catch (_) {
    return null;
  }
  return null;
}
