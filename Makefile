# SPDX-License-Identifier: GPL-2.0-only
#
# sectun: top-level build, test and install entry points.
#
#   make                    module (against KDIR) and the sectun tool
#   make check              the whole test suite in QEMU guests (README)
#   make check-quick        one kernel (6.12), small matrices: edit-test loop
#   make check-full         every kernel, every matrix
#   make demo               boots a guest and shows a tunnel at work
#   make bench              sectun against vti, xfrmi, WireGuard (not in check)
#   make lint               checkpatch --strict and sparse
#   make install            module, tool, iproute2 plugin, man page
#
# Variables: KDIR (kernel build tree), BUILDDIR (out-of-tree object dir,
# so one work tree builds for several kernels), DEBUG=1 (object
# accounting), W=1 (extra warnings), KERNELS/TESTS/TIER for the checks,
# KERNEL (6.12 or 6.1), QUICK=1 and N (round trips) for the bench.

KVER		?= $(shell uname -r)
KDIR		?= /lib/modules/$(KVER)/build
BUILDDIR	?=
DEBUG		?=
PREFIX		?= /usr
DESTDIR		?=

TOP		:= $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
MODSRC		:= Kbuild $(wildcard $(TOP)/module/*.c $(TOP)/module/*.h) \
		   $(TOP)/uapi/linux/sectun.h
MODDIR		:= $(if $(BUILDDIR),$(abspath $(BUILDDIR)),$(TOP))
KBUILD_ARGS	:= -C $(KDIR) M=$(MODDIR) $(if $(DEBUG),SECTUN_DEBUG=y)

# Kernel options the module cannot work without (=y or =m).
REQUIRED_CONFIG	:= CONFIG_MODULES CONFIG_NET CONFIG_INET CONFIG_IPV6 \
		   CONFIG_XFRM CONFIG_NET_UDP_TUNNEL CONFIG_CRYPTO_AEAD \
		   CONFIG_CRYPTO_HASH CONFIG_GRO_CELLS CONFIG_DST_CACHE

CHECK_ARGS	:= $(if $(KERNELS),--kernels "$(KERNELS)") \
		   $(if $(TESTS),--tests "$(TESTS)")

.PHONY: all module tool unit check check-quick check-full demo bench \
	debug-kernel check-config lint install clean

all: module tool

check-config:
	@if [ ! -d "$(KDIR)" ]; then \
		echo "sectun: no kernel build tree at $(KDIR)." >&2; \
		echo "sectun: install the headers for your kernel" \
		     "(Debian: apt-get install linux-headers-$(KVER))" \
		     "or point KDIR= at a configured kernel tree." >&2; \
		exit 1; \
	fi
	@cfg="$(KDIR)/.config"; \
	if [ ! -f "$$cfg" ]; then \
		echo "sectun: $(KDIR) has no .config: not a configured kernel tree" >&2; \
		exit 1; \
	fi; \
	missing=; \
	for sym in $(REQUIRED_CONFIG); do \
		grep -Eq "^$$sym=(y|m)$$" "$$cfg" || missing="$$missing $$sym"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "sectun: the kernel in $(KDIR) lacks options sectun needs:$$missing" >&2; \
		echo "sectun: rebuild that kernel with them enabled (=y or =m)." >&2; \
		exit 1; \
	fi

# With BUILDDIR, the sources are mirrored there so that builds for several
# kernels do not overwrite each other's objects.
module: check-config
ifneq ($(BUILDDIR),)
	@mkdir -p $(MODDIR)/module $(MODDIR)/uapi/linux
	@cp -u $(TOP)/Kbuild $(MODDIR)/
	@cp -u $(TOP)/module/*.c $(TOP)/module/*.h $(MODDIR)/module/
	@cp -u $(TOP)/uapi/linux/sectun.h $(MODDIR)/uapi/linux/
endif
	$(MAKE) $(KBUILD_ARGS) modules

tool:
	$(MAKE) -C $(TOP)/tools

unit:
	@if [ -f $(TOP)/selftests/unit/Makefile ]; then \
		$(MAKE) -s -C $(TOP)/selftests/unit run; fi

check:
	$(TOP)/selftests/run_check.sh --tier normal $(CHECK_ARGS)

check-quick:
	$(TOP)/selftests/run_check.sh --tier quick --kernels "$(or $(KERNELS),6.12)" \
		$(if $(TESTS),--tests "$(TESTS)")

check-full:
	$(TOP)/selftests/run_check.sh --tier full $(CHECK_ARGS)

debug-kernel:
	$(TOP)/selftests/vm/build-debug-kernel.sh

demo:
	$(TOP)/selftests/vm/demo.sh

# Documentation/benchmark.md.  Results in .bench/ (the last run: .bench/latest).
bench:
	$(TOP)/tools/bench/bench.sh --kernel "$(or $(KERNEL),6.12)" \
		$(if $(QUICK),--quick) $(if $(N),--n $(N))

# checkpatch is not packaged on its own: take it from Debian's kernel source
# tarball, once, into the cache.
LINT_CACHE	?= $(or $(SECTUN_CACHE),/var/cache/sectun)/checkpatch
LINT_TARBALL	:= /usr/src/linux-source-6.12.tar.xz
CHECKPATCH	:= $(LINT_CACHE)/scripts/checkpatch.pl
LINT_FILES	:= $(wildcard $(TOP)/module/*.c $(TOP)/module/*.h) \
		   $(TOP)/uapi/linux/sectun.h

$(CHECKPATCH):
	@[ -f $(LINT_TARBALL) ] || { echo "lint needs linux-source-6.12" \
		"(apt-get install linux-source-6.12)" >&2; exit 1; }
	@mkdir -p $(LINT_CACHE)
	tar -xf $(LINT_TARBALL) -C $(LINT_CACHE) --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'

lint: $(CHECKPATCH) check-config
	$(CHECKPATCH) --no-tree --strict --quiet --show-types \
		--ignore FILE_PATH_CHANGES -f $(filter-out %/compat.h,$(LINT_FILES))
	@# compat.h is the one place where kernel versions are compared.
	$(CHECKPATCH) --no-tree --strict --quiet --show-types \
		--ignore FILE_PATH_CHANGES,LINUX_VERSION_CODE -f $(TOP)/module/compat.h
	@[ -n "$(BUILDDIR)" ] || { echo "lint: sparse builds in BUILDDIR;" \
		"using $(TOP)/.build/lint" >&2; }
	@# tee opens its file before make has created any directory.
	@mkdir -p $(TOP)/.build
	$(MAKE) -s module BUILDDIR=$(or $(BUILDDIR),$(TOP)/.build/lint) \
		C=2 CF="-D__CHECK_ENDIAN__" W=1 2>&1 | tee $(TOP)/.build/sparse.log
	@! grep -E "warning|error" $(TOP)/.build/sparse.log
	$(MAKE) -C $(TOP)/tools lint

install: all
	$(MAKE) $(KBUILD_ARGS) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(KVER) || true
	$(MAKE) -C $(TOP)/tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

clean:
	-[ -d "$(KDIR)" ] && $(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -rf $(TOP)/.build
	$(MAKE) -C $(TOP)/tools clean
	-$(MAKE) -C $(TOP)/selftests/unit clean
