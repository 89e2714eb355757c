#include <stdio.h>
#include <string.h>
#include "sigv4rs.h"

int main(void)
{
    sigv4rs_config cfg = {0};
    cfg.access_key_id = sigv4rs_cstr("AKIDEXAMPLE");
    cfg.secret_access_key = sigv4rs_cstr("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    cfg.region = sigv4rs_cstr("us-east-1");
    cfg.service = sigv4rs_cstr("sts");

    sigv4rs_signer *signer;
    sigv4rs_status st = sigv4rs_signer_new(&cfg, &signer);
    if (st != SIGV4RS_STATUS_OK) {
        fprintf(stderr, "signer: %s\n", sigv4rs_status_str(st));
        return 1;
    }

    sigv4rs_request req = {0};
    req.method = sigv4rs_cstr("GET");
    req.url = sigv4rs_cstr("https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15");

    uint8_t out[2048];
    size_t len;
    st = sigv4rs_signer_sign_headers(signer, &req, 1440938160, out, sizeof out, &len);
    sigv4rs_signer_free(signer);
    if (st != SIGV4RS_STATUS_OK) {
        fprintf(stderr, "sign: %s\n", sigv4rs_status_str(st));
        return 1;
    }
    /* The output is "Name: value\0Name: value\0...": one header per string. */
    for (size_t i = 0; i < len; i += strlen((const char *)out + i) + 1)
        printf("%s\n", (const char *)out + i);
    return 0;
}
