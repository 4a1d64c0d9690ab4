# Varnish 7 in front of Kiosque (Debian: varnish, varnish-modules).
#
#   varnishd -a :80 -f /etc/varnish/kiosque.vcl -s malloc,1G
#
# The servers it fetches from are in backends.vcl, beside this file (an
# example is shipped): backends, and a director named `kiosque` made in
# vcl_init. What it does:
#
# - caches what Kiosque marks shareable (`Cache-Control: public` with
#   `s-maxage`: its public pages) and nothing else;
# - files each page under the keys of its `Surrogate-Key` header (the
#   articles, sections, tags, authors and photos it shows, and `site`), so
#   Kiosque's purger drops exactly the pages a change touches:
#   `PURGE /` with `xkey: article-12 comments-12`, from the `purgers` ACL;
# - passes the newsroom, the API, every request that is not a GET or HEAD,
#   and every signed-in request straight through;
# - keeps Kiosque's Brotli: the encoding a browser takes is part of the
#   cache key, and the backend is asked for it (Varnish alone would ask
#   for gzip only);
# - serves a page stale while it fetches a fresh one, and for six hours
#   when every backend is down (`/readyz` failing: no database), rather
#   than an error.

vcl 4.1;

import directors;
import std;
import xkey;

# A backend is up while Kiosque says it is ready (database reachable,
# migrations applied, search index open).
probe kiosque_ready {
    .url = "/readyz";
    .interval = 2s;
    .timeout = 1s;
    .window = 5;
    .threshold = 3;
}

include "./backends.vcl";

# Who may purge: Kiosque's servers. Keep this to their addresses.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    set req.backend_hint = kiosque.backend();

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey) {
            set req.http.n-gone = xkey.purge(req.http.xkey);
            return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
        }
        return (purge);
    }

    # Kiosque's readiness is the load balancer's business, never cached.
    if (req.url ~ "^/(healthz|readyz|metrics)(\?|$)") {
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/admin(/|\?|$)" || req.url ~ "^/api/v1/newsroom(/|\?|$)") {
        return (pass);
    }
    if (req.http.Authorization || req.http.Cookie ~ "(^|;\s*)kiosque_session=") {
        return (pass);
    }
    # A public page is the same for every reader: no cookie reaches it.
    unset req.http.Cookie;

    # The encoding this reader takes, as a key: Brotli, gzip or none.
    # (Varnish rewrites Accept-Encoding to gzip or nothing after vcl_recv;
    # vcl_backend_fetch puts the reader's choice back.)
    if (req.http.Accept-Encoding ~ "(^|,)\s*br\s*(;\s*q=(1|0\.[0-9]*[1-9])|,|$)") {
        set req.http.X-Kiosque-Encoding = "br";
    } elsif (req.http.Accept-Encoding ~ "gzip") {
        set req.http.X-Kiosque-Encoding = "gzip";
    } else {
        unset req.http.X-Kiosque-Encoding;
    }

    # While backends are up, a stale page is served at most 10 s while a
    # fresh one is fetched; when they are down, for all of its grace.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 10s;
    }
    return (hash);
}

sub vcl_hash {
    hash_data(req.http.X-Kiosque-Encoding);
}

sub vcl_backend_fetch {
    if (bereq.http.X-Kiosque-Encoding) {
        set bereq.http.Accept-Encoding = bereq.http.X-Kiosque-Encoding;
    } else {
        unset bereq.http.Accept-Encoding;
    }
    unset bereq.http.X-Kiosque-Encoding;
}

sub vcl_backend_response {
    # A background fetch that failed keeps the stale page.
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        return (abandon);
    }
    if (beresp.http.Cache-Control !~ "(^|,)\s*public\s*(,|$)" || beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    set beresp.grace = 6h;
    return (deliver);
}

sub vcl_deliver {
    unset resp.http.xkey;
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub vcl_backend_error {
    set beresp.http.Retry-After = "5";
    set beresp.http.Content-Type = "text/plain; charset=utf-8";
    set beresp.http.Cache-Control = "no-store";
    synthetic("The site is not answering just now; try again in a few seconds.");
    return (deliver);
}
