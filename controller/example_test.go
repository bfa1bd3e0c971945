package controller_test

import (
	"log"
	"time"

	"github.com/nftsync/nftsync/controller"
)

// Example keeps Kilo's NAT rules in the nftables tables "ip kilo-nat" and
// "ip6 kilo-nat", repairing drift every 5 seconds.
func Example() {
	c, err := controller.New(controller.WithOwner("kilo"), controller.WithResyncPeriod(5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	err = c.Set([]controller.Rule{
		controller.NewIPv4Chain("nat", "KILO-NAT"),
		controller.NewIPv4Rule("nat", "POSTROUTING", "-s", "10.2.1.0/24", "-m", "comment", "--comment", "Kilo: jump to KILO-NAT chain", "-j", "KILO-NAT"),
		controller.NewIPv4Rule("nat", "KILO-NAT", "-d", "10.4.0.0/16", "-j", "RETURN"),
		controller.NewIPv4Rule("nat", "KILO-NAT", "-m", "comment", "--comment", "Kilo: NAT remaining packets", "-j", "MASQUERADE"),
		controller.NewIPv6Chain("nat", "KILO-NAT"),
		controller.NewIPv6Rule("nat", "KILO-NAT", "-j", "MASQUERADE"),
	})
	if err != nil {
		log.Fatal(err) // names the rule that is invalid or was refused
	}
	stop := make(chan struct{})
	errs, _ := c.Run(stop) // reconcile until stop is closed
	for err := range errs {
		log.Print(err)
	}
}
