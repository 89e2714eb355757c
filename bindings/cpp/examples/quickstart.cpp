// Signs an STS call and prints the headers to add (the C quick start,
// bindings/c/examples/quickstart.c, through the C++ wrapper: same output).
#include <iostream>

#include "sigv4rs.hpp"

int main()
{
    sigv4rs::config cfg;
    cfg.access_key_id = "AKIDEXAMPLE";
    cfg.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    cfg.region = "us-east-1";
    cfg.service = "sts";

    try {
        const sigv4rs::signer signer(cfg);
        sigv4rs::request req;
        req.method = "GET";
        req.url = "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15";
        for (const auto &[name, value] : signer.sign_headers(req, 1440938160))
            std::cout << name << ": " << value << "\n";
    } catch (const sigv4rs::error &e) {
        std::cerr << e.what() << "\n"; // e.status(): the sigv4rs_status
        return 1;
    }
}
