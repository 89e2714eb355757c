/* Built as C99, C99 + SIGV4RS_NO_STD, C11, gnu99 and C++11 by
 * `make header-check`: the header must stand alone and stay warning-free. */
#include "sigv4rs.h"

#if defined(SIGV4RS_NO_STD) && defined(SIGV4RS_STD)
#error "SIGV4RS_NO_STD must hide the heap and environment functions"
#endif

/* Sizes the header promises; a negative array size stops the build. */
typedef char hc_storage_size[sizeof(sigv4rs_signer_storage) >= SIGV4RS_SIGNER_STORAGE_SIZE ? 1 : -1];
typedef char hc_hasher_size[sizeof(sigv4rs_payload_hasher) >= SIGV4RS_PAYLOAD_HASHER_SIZE ? 1 : -1];

int header_check(void);

int header_check(void)
{
    sigv4rs_bytes b = sigv4rs_cstr("x");
    sigv4rs_config cfg = {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, 0, 0, 0, 0};
    cfg.service = b;
#if defined(SIGV4RS_STD)
    /* Declared in std builds only. */
    sigv4rs_status (*make)(const sigv4rs_config *, sigv4rs_signer **) = sigv4rs_signer_new;
    (void)make;
#endif
    return (int)cfg.service.len + (sigv4rs_status_str(SIGV4RS_STATUS_OK) != 0);
}
