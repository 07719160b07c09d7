#include "CCurlShim.h"

CURLcode ccurl_global_init(long flags) { return curl_global_init(flags < 0 ? CURL_GLOBAL_DEFAULT : flags); }
const char *ccurl_version_string(void) { return curl_version_info(CURLVERSION_NOW)->version; }

CURLcode ccurl_easy_setopt_long(CURL *h, CURLoption opt, long value) { return curl_easy_setopt(h, opt, value); }
CURLcode ccurl_easy_setopt_string(CURL *h, CURLoption opt, const char *value) { return curl_easy_setopt(h, opt, value); }
CURLcode ccurl_easy_setopt_pointer(CURL *h, CURLoption opt, void *value) { return curl_easy_setopt(h, opt, value); }
CURLcode ccurl_easy_setopt_off(CURL *h, CURLoption opt, curl_off_t value) { return curl_easy_setopt(h, opt, value); }
CURLcode ccurl_easy_setopt_write_callback(CURL *h, CURLoption opt, curl_write_callback cb) { return curl_easy_setopt(h, opt, cb); }
CURLcode ccurl_easy_setopt_debug_callback(CURL *h, curl_debug_callback cb) { return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, cb); }
CURLcode ccurl_easy_setopt_xferinfo_callback(CURL *h, curl_xferinfo_callback cb) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb); }

CURLcode ccurl_easy_getinfo_long(CURL *h, CURLINFO info, long *out) { return curl_easy_getinfo(h, info, out); }
CURLcode ccurl_easy_getinfo_double(CURL *h, CURLINFO info, double *out) { return curl_easy_getinfo(h, info, out); }
CURLcode ccurl_easy_getinfo_off(CURL *h, CURLINFO info, curl_off_t *out) { return curl_easy_getinfo(h, info, out); }
CURLcode ccurl_easy_getinfo_string(CURL *h, CURLINFO info, const char **out) { return curl_easy_getinfo(h, info, out); }
CURLcode ccurl_easy_getinfo_pointer(CURL *h, CURLINFO info, void **out) { return curl_easy_getinfo(h, info, out); }

CURLMcode ccurl_multi_setopt_long(CURLM *m, CURLMoption opt, long value) { return curl_multi_setopt(m, opt, value); }
CURLMcode ccurl_multi_setopt_pointer(CURLM *m, CURLMoption opt, void *value) { return curl_multi_setopt(m, opt, value); }
