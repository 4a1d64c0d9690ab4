# The Kiosque servers Varnish fetches from (included by kiosque.vcl): an
# example for three app servers on this machine. List yours (or the HAProxy
# in front of them), each with the `kiosque_ready` probe, and add each to
# the `kiosque` director.

backend kiosque_1 {
    .host = "127.0.0.1";
    .port = "8081";
    .probe = kiosque_ready;
}

backend kiosque_2 {
    .host = "127.0.0.1";
    .port = "8082";
    .probe = kiosque_ready;
}

backend kiosque_3 {
    .host = "127.0.0.1";
    .port = "8083";
    .probe = kiosque_ready;
}

sub vcl_init {
    new kiosque = directors.round_robin();
    kiosque.add_backend(kiosque_1);
    kiosque.add_backend(kiosque_2);
    kiosque.add_backend(kiosque_3);
}
