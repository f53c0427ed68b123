# Makefile -- qmail-remote. `make` builds it; `make check` runs every test
# (unit tests, plain and under ASan+UBSan, then the integration suite,
# which needs root for network namespaces); `make demo` delivers a sample
# message to a local Postfix; `make bench` measures; `make fuzz` fuzzes.

QMAIL_HOME ?= /var/qmail
CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wstrict-prototypes
CPPFLAGS += -I. -Isubstdio -DQMAIL_HOME='"$(QMAIL_HOME)"' -D_GNU_SOURCE
LDLIBS ?=
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# O is the object directory: build/ for the real binary, build/san/ for
# the sanitizer build that `make check` also runs.
O ?= build

# Each object's (and unit test's) headers, as the compiler found them:
# x.o depends on x.d's list, written beside it at every compile (-MP: a
# header that went away breaks nothing).
DEPFLAGS = -MMD -MP

LIBSRC = attempt.c auth.c control.c ctlgrammar.c ctllookup.c dane.c dns.c dnsconf.c dnspacket.c https.c idn.c ip.c ipme.c lazylib.c \
	message.c mtasts.c name.c ossl.c peers.c qmtp.c report.c smtp.c str.c stuff.c tcpconnect.c tcpto.c tls.c tlspolicy.c \
	tlsrpt.c trace.c substdio/conn.c
LIBOBJ = $(LIBSRC:%.c=$(O)/%.o)
UNITS = test_str test_tcpconnect test_stuff test_smtp test_session test_report test_dns test_control test_qmtp test_auth test_idn test_tcpto test_mtasts test_tlspolicy test_name test_tlsrpt
UNITBIN = $(UNITS:%=$(O)/tests/%)

all: qmail-remote

# The installed binary is linked dynamically against Debian's libc, and
# loads libssl.so.3 and libidn2.so.0 when a delivery first needs them
# (ossl.c, idn.c): an `apt upgrade` that fixes OpenSSL, glibc or libidn2
# fixes qmail-remote with it, with nothing to relink -- what admins expect.
# STATIC=yes (opt-in: needs the static archives of libc6-dev, libssl-dev,
# libidn2-dev and libunistring-dev) links everything in: no loader, no
# relocations, so a plain delivery costs about 1 ms of CPU less and a TLS
# one about 5 ms less (README, Install; `make bench` shows both), but a
# security update reaches it only when `make STATIC=yes install` is run
# again after it (the link depends on those archives).
STATIC_ARCHIVES = libc.a libssl.a libcrypto.a libidn2.a libunistring.a
STATIC_PATHS := $(foreach a,$(STATIC_ARCHIVES),$(shell $(CC) -print-file-name=$(a)))
STATIC_HAVE := $(if $(filter-out /%,$(STATIC_PATHS)),no,yes)
STATIC ?= no
S ?= build/static
SCFLAGS = $(CFLAGS) -fno-pie -ffunction-sections -fdata-sections -DQR_STATIC
SLDFLAGS = $(LDFLAGS) -static -no-pie -Wl,--gc-sections
LIBCRYPTO_A = $(filter %/libcrypto.a,$(STATIC_PATHS))
# the files that differ when linked statically (QR_STATIC)
STATIC_SRC = ossl.c idn.c

ifeq ($(STATIC)$(STATIC_HAVE),yesno)
$(error STATIC=yes needs $(filter-out /%,$(STATIC_PATHS)): see README, Install)
endif
ifeq ($(STATIC),yes)
qmail-remote: $(S)/qmail-remote
	cp $(S)/qmail-remote qmail-remote
else
qmail-remote: $(O)/qmail-remote
	cp $(O)/qmail-remote qmail-remote
endif

$(O)/qmail-remote: $(O)/qmail-remote.o $(O)/libqr.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libcrypto.a's x86-64 CPU probe is also wired into the program's _init,
# so every process would run it (CPUID, slow under virtualisation) even
# when it never uses TLS; our copy leaves it to OPENSSL_init_crypto(),
# which runs it before any other OpenSSL call (ossl.c makes that call
# first). libc comes once before the other archives so that the libc code
# the plain path runs sits next to ours (fewer pages touched).
$(S)/libcrypto.a: $(LIBCRYPTO_A)
	@mkdir -p $(dir $@)
	objcopy --remove-section=.init $< $@

# libcrypto.a's BIO and DSO code, never called here, makes the linker warn
# about getaddrinfo and dlopen in a static program: shown only on failure.
$(S)/qmail-remote: $(S)/qmail-remote.o $(S)/libqr.a $(S)/libcrypto.a $(filter-out %/libcrypto.a,$(STATIC_PATHS))
	$(CC) $(SCFLAGS) $(SLDFLAGS) -o $@ $(S)/qmail-remote.o $(S)/libqr.a \
	  -lc -lssl $(S)/libcrypto.a -lidn2 -lunistring $(LDLIBS) 2>$(S)/link.log || { cat $(S)/link.log; exit 1; }

$(S)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(SCFLAGS) $(WARN) $(DEPFLAGS) -c -o $@ $<

$(S)/libqr.a: $(LIBSRC:%.c=$(S)/%.o)
	rm -f $@
	ar rcs $@ $^

$(O)/libqr.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $^

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(DEPFLAGS) -c -o $@ $<

$(O)/tests/%: tests/unit/%.c $(O)/libqr.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DDNS_TESTING $(CFLAGS) $(WARN) $(DEPFLAGS) -o $@ $< $(O)/libqr.a $(LDLIBS)

# test_dns asks a fake nameserver on a port of its own ($DNS_TEST_PORT)
# and reads resolv.conf files of its own ($DNS_TEST_RESOLV_CONF): the
# resolver's objects that honour those hooks are built again with
# DNS_TESTING (never so in qmail-remote), and linked before libqr.a so
# that the library's own are not.
DNSTESTSRC = dns.c dnsconf.c
$(O)/testing/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DDNS_TESTING $(CFLAGS) $(WARN) $(DEPFLAGS) -c -o $@ $<

$(O)/tests/test_dns: tests/unit/test_dns.c $(DNSTESTSRC:%.c=$(O)/testing/%.o) $(O)/libqr.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DDNS_TESTING $(CFLAGS) $(WARN) $(DEPFLAGS) -o $@ $< \
	  $(DNSTESTSRC:%.c=$(O)/testing/%.o) $(O)/libqr.a $(LDLIBS)

units: $(UNITBIN)

# One line per suite, then the totals line CI reads.
unit: units
	@pass=0; fail=0; for t in $(UNITBIN); do \
		out=$$($$t 2>&1); rc=$$?; echo "$$out" | tail -n 20 | grep -v '^[0-9]* passed, [0-9]* failed$$' ; \
		line=$$(echo "$$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$$' | tail -1); \
		p=$${line%% passed*}; f=$${line#*passed, }; f=$${f%% failed*}; \
		[ -n "$$line" ] || { p=0; f=1; echo "$$t: no result line"; }; \
		[ $$rc -eq 0 ] || [ "$$f" != 0 ] || { f=1; echo "$$t: exit $$rc"; }; \
		echo "$$t: $$p passed, $$f failed"; pass=$$((pass+p)); fail=$$((fail+f)); \
	done; echo "unit ($(O)): $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

san:
	$(MAKE) O=build/san CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" build/san/qmail-remote units

check: all units san lint
	$(MAKE) unit
	ASAN_OPTIONS=detect_leaks=1 $(MAKE) O=build/san CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" unit
	$(MAKE) fuzz FUZZ_SECONDS=10
	$(MAKE) integ

# The integration suite on the sanitizer build and on the binary `make
# install` installs (both dynamic: OpenSSL and libidn2 loaded at run
# time); then, when the static archives are there, its TLS, DANE, AUTH,
# QMTP and IDN scenarios on the opt-in static build, the code that differs
# there (STATIC_SRC) and the libraries linked in; not those that check
# which shared libraries the default build loads.
STATIC_SMOKE = -k tls -k dane -k auth -k qmtp -k idn -k utf8 -k plain-one -x libidn2 -x libssl
integ: all san
	QR=$(CURDIR)/build/san/qmail-remote tests/integ/run
	QR=$(CURDIR)/qmail-remote tests/integ/run
	[ "$(STATIC_HAVE)" != yes ] || { $(MAKE) -s $(S)/qmail-remote && \
	  QR=$(CURDIR)/$(S)/qmail-remote tests/integ/run $(STATIC_SMOKE); }

# Static checks: gcc's warnings (WARN, -Werror here), clang-tidy's bugprone
# and cert sets (.clang-tidy says what is off and why), cppcheck. cppcheck's
# variableScope is off: declarations at the top of a block are this code's
# style (qmail's and Postfix's too), not a defect.
lint:
	@for t in clang-tidy cppcheck; do command -v $$t >/dev/null || { \
		echo "lint: $$t is missing (tests/install-deps installs it, as root)"; exit 1; }; done
	$(MAKE) -s O=build/lint CFLAGS="-O2 -Werror" build/lint/qmail-remote
	[ "$(STATIC_HAVE)" != yes ] || $(MAKE) -s S=build/lint-static CFLAGS="-O2 -Werror" build/lint-static/qmail-remote
	@# ossl.h lists each OpenSSL function twice (the table, and the
	@# redirect a macro cannot generate): the two lists must agree
	@awk '/^\tF\(/ { n = $$0; gsub(/^\tF\(|\).*$$/, "", n); f[n] = 1 } \
	  /^#define [A-Za-z0-9_]+ \(ossl_api\./ { n = $$3; gsub(/^\(ossl_api\.|\)$$/, "", n); \
	    if (n != $$2) { print "ossl.h: " $$2 " redirected to " n; bad = 1 } r[$$2] = 1 } \
	  END { for (k in f) if (!(k in r)) { print "ossl.h: no redirect for " k; bad = 1 } \
	        for (k in r) if (!(k in f)) { print "ossl.h: " k " redirected but not in OSSL_FUNCTIONS"; bad = 1 } \
	        exit bad }' ossl.h
	clang-tidy --quiet $(LIBSRC) qmail-remote.c -- $(CPPFLAGS) 2>/dev/null
	clang-tidy --quiet $(STATIC_SRC) -- $(CPPFLAGS) -DQR_STATIC 2>/dev/null
	cppcheck --error-exitcode=1 --quiet --inline-suppr --std=c11 \
	  --enable=warning,style,portability,performance --suppress=variableScope \
	  $(CPPFLAGS) $(LIBSRC) qmail-remote.c
	cppcheck --error-exitcode=1 --quiet --inline-suppr --std=c11 \
	  --enable=warning,style,portability,performance --suppress=variableScope \
	  $(CPPFLAGS) -DQR_STATIC $(STATIC_SRC)

FUZZERS = fuzz_dns fuzz_control fuzz_reply fuzz_qmtp fuzz_sasl fuzz_idn fuzz_session fuzz_mtasts fuzz_https fuzz_tlsrpt
# `make check` runs a 10-second smoke of each; issue-sized runs: make fuzz FUZZ_SECONDS=600
FUZZ_SECONDS ?= 60
FUZZCC = clang
fuzz:
	@mkdir -p build/fuzz
	for f in $(FUZZERS); do \
		$(FUZZCC) -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS) -DDNS_TESTING \
		  -o build/fuzz/$$f tests/fuzz/$$f.c $(LIBSRC) $(LDLIBS) || exit 1; \
	done
	for f in $(FUZZERS); do \
		c=tests/fuzz/corpus/$${f#fuzz_}; mkdir -p build/fuzz/work-$$f; \
		build/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/work-$$f $$c \
		  > build/fuzz/$$f.log 2>&1 || { tail -n 60 build/fuzz/$$f.log; exit 1; }; \
		echo "$$f: $$(tail -n 1 build/fuzz/$$f.log)"; \
	done

demo: all
	tests/demo

# make bench compares the default build with the static one (when the
# archives are there) and with an "eager" one: dynamic, but libssl,
# libcrypto and libidn2 mapped by the loader at start instead of on first
# use (ossl.c and idn.c built as for the static link), which shows what
# the lazy loading saves a delivery that needs neither.
E ?= build/eager
$(E)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DQR_STATIC $(CFLAGS) $(WARN) $(DEPFLAGS) -c -o $@ $<

$(E)/qmail-remote: $(O)/qmail-remote.o $(filter-out $(STATIC_SRC:%.c=$(O)/%.o),$(LIBOBJ)) $(STATIC_SRC:%.c=$(E)/%.o)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lssl -lcrypto -lidn2 $(LDLIBS)

bench: all $(O)/qmail-remote $(E)/qmail-remote $(if $(filter yes,$(STATIC_HAVE)),$(S)/qmail-remote)
	QR_STATIC=$(if $(filter yes,$(STATIC_HAVE)),$(CURDIR)/$(S)/qmail-remote) QR_EAGER=$(CURDIR)/$(E)/qmail-remote tests/bench/run

# qmail's convention: bin/qmail-remote is root:qmail, mode 711 (when root
# installs and the qmail group exists; otherwise the installer's own)
QMAIL_OWNER = $(shell [ "$$(id -u)" = 0 ] && getent group qmail >/dev/null && echo "-o root -g qmail")

install: all
	install -d $(DESTDIR)$(QMAIL_HOME)/bin $(DESTDIR)$(QMAIL_HOME)/man/man8
	# the first install keeps the binary it replaces; an upgrade keeps that one
	if [ -f $(DESTDIR)$(QMAIL_HOME)/bin/qmail-remote ] && [ ! -f $(DESTDIR)$(QMAIL_HOME)/bin/qmail-remote.orig ]; then \
		cp -p $(DESTDIR)$(QMAIL_HOME)/bin/qmail-remote $(DESTDIR)$(QMAIL_HOME)/bin/qmail-remote.orig; fi
	install -m 711 $(QMAIL_OWNER) qmail-remote $(DESTDIR)$(QMAIL_HOME)/bin/qmail-remote.new
	mv -f $(DESTDIR)$(QMAIL_HOME)/bin/qmail-remote.new $(DESTDIR)$(QMAIL_HOME)/bin/qmail-remote
	install -m 644 man/qmail-remote.8 $(DESTDIR)$(QMAIL_HOME)/man/man8/qmail-remote.8
	# the IPv6 timeout table beside qmail's tcpto (tcpto.c): qmailr cannot
	# create files in queue/lock, so it is made here, as qmail's install
	# makes tcpto -- zero-filled, qmailr:qmail, 644 -- when the queue exists
	# and the file does not (an existing one keeps its records)
	if [ -d $(DESTDIR)$(QMAIL_HOME)/queue/lock ] && [ ! -e $(DESTDIR)$(QMAIL_HOME)/queue/lock/tcpto6 ] && \
	   [ ! -L $(DESTDIR)$(QMAIL_HOME)/queue/lock/tcpto6 ]; then \
		rm -f $(DESTDIR)$(QMAIL_HOME)/queue/lock/tcpto6.new && \
		head -c 2048 /dev/zero > $(DESTDIR)$(QMAIL_HOME)/queue/lock/tcpto6.new && \
		chmod 644 $(DESTDIR)$(QMAIL_HOME)/queue/lock/tcpto6.new && \
		{ ! id -u qmailr >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
		  chown qmailr$$(getent group qmail >/dev/null && echo :qmail) $(DESTDIR)$(QMAIL_HOME)/queue/lock/tcpto6.new; } && \
		mv -f $(DESTDIR)$(QMAIL_HOME)/queue/lock/tcpto6.new $(DESTDIR)$(QMAIL_HOME)/queue/lock/tcpto6; fi
	# the MTA-STS policy cache (mtasts.c): qmailr's own, 0700, when the queue exists
	if [ -d $(DESTDIR)$(QMAIL_HOME)/queue ] && [ ! -L $(DESTDIR)$(QMAIL_HOME)/queue/mtasts ]; then \
		install -d -m 700 $(DESTDIR)$(QMAIL_HOME)/queue/mtasts && \
		{ ! id -u qmailr >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
		  chown qmailr$$(getent group qmail >/dev/null && echo :qmail) $(DESTDIR)$(QMAIL_HOME)/queue/mtasts; }; fi

uninstall:
	if [ -f $(DESTDIR)$(QMAIL_HOME)/bin/qmail-remote.orig ]; then \
		mv -f $(DESTDIR)$(QMAIL_HOME)/bin/qmail-remote.orig $(DESTDIR)$(QMAIL_HOME)/bin/qmail-remote; \
	else rm -f $(DESTDIR)$(QMAIL_HOME)/bin/qmail-remote; fi
	rm -f $(DESTDIR)$(QMAIL_HOME)/man/man8/qmail-remote.8 $(DESTDIR)$(QMAIL_HOME)/queue/lock/tcpto6
	rm -rf $(DESTDIR)$(QMAIL_HOME)/queue/mtasts

clean:
	rm -rf build qmail-remote

# qmail-remote too: a copy of the static or the dynamic build, whichever
# STATIC picks this time
.PHONY: all qmail-remote units unit san check lint integ fuzz demo bench install uninstall clean

# last: the first rule of an included .d must not become the default goal
-include $(shell find build -name '*.d' 2>/dev/null)
