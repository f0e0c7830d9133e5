// SPDX-License-Identifier: GPL-2.0-only
/*
 * sectun: route-based IPsec virtual tunnel interfaces.
 *
 * Module init/exit and per-netns state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "crypto.h"
#include "objcount.h"
#include "sa.h"
#include "sectun.h"

unsigned int sectun_net_id __read_mostly;

static int __net_init sectun_net_init(struct net *net)
{
	struct sectun_net *sn = sectun_pernet(net);

	INIT_LIST_HEAD(&sn->devs);
	hash_init(sn->sa_in);
	hash_init(sn->sa_out);
	INIT_LIST_HEAD(&sn->udp_socks);
	return 0;
}

/*
 * A device's outer side lives in the netns that created it; when that
 * netns goes, so does the device, wherever its inner side was moved.
 */
static void __net_exit sectun_net_exit_batch_rtnl(struct list_head *net_list,
						  struct list_head *kill_list)
{
	struct net *net;

	list_for_each_entry(net, net_list, exit_list)
		sectun_device_kill_net(net, kill_list);
}

static struct pernet_operations sectun_net_ops = {
	.init		 = sectun_net_init,
	.exit_batch_rtnl = sectun_net_exit_batch_rtnl,
	.id		 = &sectun_net_id,
	.size		 = sizeof(struct sectun_net),
};

static int __init sectun_init(void)
{
	int err;

	err = sectun_crypto_init();
	if (err)
		return err;

	err = sectun_sa_init();
	if (err)
		return err;

	err = register_pernet_device(&sectun_net_ops);
	if (err)
		goto err_sa;

	err = sectun_device_init();
	if (err)
		goto err_pernet;

	err = sectun_genl_init();
	if (err)
		goto err_device;

	/* Last: from here on ESP and AH packets may arrive. */
	err = sectun_proto_init();
	if (err)
		goto err_genl;

	pr_info("route-based IPsec tunnels (ESP/AH) loaded\n");
	return 0;

err_genl:
	sectun_genl_uninit();
err_device:
	sectun_device_uninit();
err_pernet:
	unregister_pernet_device(&sectun_net_ops);
err_sa:
	sectun_sa_uninit();
	return err;
}

static void __exit sectun_exit(void)
{
	sectun_proto_uninit();
	sectun_genl_uninit();
	sectun_device_uninit();
	unregister_pernet_device(&sectun_net_ops);
	/* Waits for every RCU callback and SA free this module issued. */
	sectun_sa_uninit();
	sectun_obj_report();
}

module_init(sectun_init);
module_exit(sectun_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Route-based IPsec (ESP/AH) virtual tunnel interfaces");
MODULE_AUTHOR("The sectun developers");
MODULE_ALIAS_RTNL_LINK(SECTUN_LINK_KIND);
MODULE_ALIAS_GENL_FAMILY(SECTUN_GENL_NAME);
