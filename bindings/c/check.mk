# Memory checks of the offline C programs (issues 7 and 10), included by Makefile:
#   make sanitize   ASan + UBSan builds against the static library, run
#   make valgrind   the ordinary builds under memcheck: no errors, no leaks
# The Rust code is not instrumented, but ASan intercepts its malloc/free
# and memcpy/memset (writes past a lying out_cap are caught, leaks too);
# valgrind sees every instruction of both sides.

SAN_BUILD = $(BUILD)/san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1 \
          UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
SAN_PROGRAMS = $(SAN_BUILD)/suite_test $(SAN_BUILD)/server_rules_test $(SAN_BUILD)/creds_test \
               $(SAN_BUILD)/sign_request $(SAN_BUILD)/quickstart $(SAN_BUILD)/verify_request

VG_BUILD = $(BUILD)/valgrind
VALGRIND = valgrind --leak-check=full --show-leak-kinds=definite,indirect \
           --errors-for-leak-kinds=definite,indirect --error-exitcode=1

# $(call vg,name,env,command): runs command (env: a prefix such as
# `env -u X`, outside valgrind) under memcheck and prints its summary; on
# failure, the whole log.
define vg
	$(2) $(VALGRIND) --log-file=$(VG_BUILD)/$(1).log $(3) > /dev/null || { cat $(VG_BUILD)/$(1).log; exit 1; }
	@grep -hE 'ERROR SUMMARY|in use at exit|definitely lost|indirectly lost|All heap blocks' \
	  $(VG_BUILD)/$(1).log | sed 's/^==[0-9]*== */  $(1): /'
endef

.PHONY: sanitize valgrind memcheck

$(SAN_BUILD) $(VG_BUILD):
	mkdir -p $@

$(SAN_BUILD)/%.o: examples/%.c $(HEADER) | $(SAN_BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

$(SAN_BUILD)/%.o: tests/%.c $(HEADER) | $(SAN_BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

$(SAN_BUILD)/suite_test: EXTRA_LIBS = $(CRYPTO_LIBS)
$(SAN_PROGRAMS): $(SAN_BUILD)/%: $(SAN_BUILD)/%.o $(STATIC_LIB)
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $< $(STATIC_LIB) $(EXTRA_LIBS) $(NATIVE_LIBS)

# Reference outputs of the ordinary builds (also written by `make test`).
$(BUILD)/sign_request.out: $(BUILD)/sign_request
	env -u SIGV4RS_DEMO_NOW $< > $@
$(BUILD)/quickstart.out: $(BUILD)/quickstart
	$< > $@

sanitize: $(SAN_PROGRAMS) $(BUILD)/sign_request.out $(BUILD)/quickstart.out
	$(SAN_ENV) $(SAN_BUILD)/suite_test $(SUITE) > $(SAN_BUILD)/suite_test.out
	@tail -n 1 $(SAN_BUILD)/suite_test.out
	$(SAN_ENV) $(SAN_BUILD)/suite_test $(SUITE_V4A) > $(SAN_BUILD)/suite_v4a_test.out
	@tail -n 1 $(SAN_BUILD)/suite_v4a_test.out
	$(SAN_ENV) $(SAN_BUILD)/server_rules_test > $(SAN_BUILD)/server_rules_test.out
	@tail -n 1 $(SAN_BUILD)/server_rules_test.out
	$(SAN_ENV) $(SAN_BUILD)/creds_test > $(SAN_BUILD)/creds_test.out
	@tail -n 1 $(SAN_BUILD)/creds_test.out
	$(SAN_ENV) env -u SIGV4RS_DEMO_NOW $(SAN_BUILD)/sign_request > $(SAN_BUILD)/sign_request.out
	$(SAN_ENV) $(SAN_BUILD)/quickstart > $(SAN_BUILD)/quickstart.out
	$(SAN_ENV) $(SAN_BUILD)/verify_request > $(SAN_BUILD)/verify_request.out
	@# Instrumented builds print exactly what the ordinary ones print.
	cmp $(SAN_BUILD)/sign_request.out $(BUILD)/sign_request.out
	cmp $(SAN_BUILD)/quickstart.out $(BUILD)/quickstart.out
	@echo "bindings/c: ASan+UBSan clean (suite_test v4 and v4a, server_rules_test, creds_test, sign_request, quickstart, verify_request)"

valgrind: $(BUILD)/suite_test $(BUILD)/server_rules_test $(BUILD)/creds_test $(BUILD)/sign_request $(BUILD)/sign_request_shared $(BUILD)/quickstart $(BUILD)/verify_request | $(VG_BUILD)
	$(call vg,suite_test,,$(BUILD)/suite_test $(SUITE))
	$(call vg,suite_v4a_test,,$(BUILD)/suite_test $(SUITE_V4A))
	$(call vg,server_rules_test,,$(BUILD)/server_rules_test)
	$(call vg,creds_test,,$(BUILD)/creds_test)
	$(call vg,sign_request,env -u SIGV4RS_DEMO_NOW,$(BUILD)/sign_request)
	$(call vg,sign_request_shared,env -u SIGV4RS_DEMO_NOW,$(BUILD)/sign_request_shared)
	$(call vg,quickstart,,$(BUILD)/quickstart)
	$(call vg,verify_request,,$(BUILD)/verify_request)
	@echo "bindings/c: valgrind clean (0 errors, 0 definite/indirect leaks)"

memcheck: sanitize valgrind
