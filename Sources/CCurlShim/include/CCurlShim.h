// Typed wrappers for libcurl's variadic calls (Swift cannot call C variadics)
// and for macros Swift does not import. One line each; no logic here.
#ifndef PREFORKD_CCURLSHIM_H
#define PREFORKD_CCURLSHIM_H
#include <curl/curl.h>

// curl_global_init(flags); CURL_GLOBAL_DEFAULT when flags < 0.
CURLcode ccurl_global_init(long flags);
// curl_version_info(CURLVERSION_NOW)->version (CURLVERSION_NOW is a macro).
const char *ccurl_version_string(void);

CURLcode ccurl_easy_setopt_long(CURL *h, CURLoption opt, long value);
CURLcode ccurl_easy_setopt_string(CURL *h, CURLoption opt, const char *value);
CURLcode ccurl_easy_setopt_pointer(CURL *h, CURLoption opt, void *value);
CURLcode ccurl_easy_setopt_off(CURL *h, CURLoption opt, curl_off_t value);
// Callbacks: CURLOPT_WRITEFUNCTION / CURLOPT_HEADERFUNCTION share a type.
CURLcode ccurl_easy_setopt_write_callback(CURL *h, CURLoption opt, curl_write_callback cb);
CURLcode ccurl_easy_setopt_debug_callback(CURL *h, curl_debug_callback cb);
CURLcode ccurl_easy_setopt_xferinfo_callback(CURL *h, curl_xferinfo_callback cb);

CURLcode ccurl_easy_getinfo_long(CURL *h, CURLINFO info, long *out);
CURLcode ccurl_easy_getinfo_double(CURL *h, CURLINFO info, double *out);
CURLcode ccurl_easy_getinfo_off(CURL *h, CURLINFO info, curl_off_t *out);
CURLcode ccurl_easy_getinfo_string(CURL *h, CURLINFO info, const char **out);
CURLcode ccurl_easy_getinfo_pointer(CURL *h, CURLINFO info, void **out);

CURLMcode ccurl_multi_setopt_long(CURLM *m, CURLMoption opt, long value);
CURLMcode ccurl_multi_setopt_pointer(CURLM *m, CURLMoption opt, void *value);
// Event-driven multi: CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION.
CURLMcode ccurl_multi_setopt_socket_callback(CURLM *m, curl_socket_callback cb);
CURLMcode ccurl_multi_setopt_timer_callback(CURLM *m, curl_multi_timer_callback cb);

// epoll for the event-driven load loop (Glibc's module map lacks epoll).
// ccurl_epoll_watch: what = CURL_POLL_IN/OUT/INOUT adds or modifies,
// CURL_POLL_REMOVE deletes. ccurl_epoll_wait fills fds[i] and the matching
// CURL_CSELECT_* mask in masks[i]; returns the count, 0 on timeout/EINTR.
int ccurl_epoll_create(void);
int ccurl_epoll_watch(int epfd, int fd, int what);
int ccurl_epoll_wait(int epfd, int *fds, int *masks, int max, int timeout_ms);

#endif
