package nft

import (
	"fmt"

	"github.com/mdlayher/netlink"
	"github.com/nftsync/nftsync/firewall"
	"github.com/nftsync/nftsync/rule"
	"golang.org/x/sys/unix"
)

// nftsync puts chains and rules in its tables, and anonymous sets bound to
// its rules; anything else in an owned table (a named set or map, a named
// counter, quota, limit or other stateful object, a flowtable) was put
// there by someone else and is drift: Apply deletes it, Plan reports it
// (DeleteObject). Chains it does not want are deleted as before.
//
// Finding them costs no dump in the usual case: a table dump reports each
// table's use count, the number of chains, named sets, objects and
// flowtables in it (anonymous sets are not counted: measured on 6.18; a
// kernel that counted them would only cost the dumps below). Only when it
// exceeds the number of chains are the table's sets, objects and
// flowtables dumped.

// DeleteObject is the change that deletes a set, map, stateful object or
// flowtable from an owned table; the change's Rule names it.
const DeleteObject firewall.Op = "delete-object"

// Flowtable attributes (not in x/sys/unix).
const (
	nftaFlowtableTable = 1
	nftaFlowtableName  = 2
)

// haveObject is a named set, map, stateful object or flowtable of an owned
// table.
type haveObject struct {
	msg     int    // NFT_MSG_DELSET, NFT_MSG_DELOBJ or NFT_MSG_DELFLOWTABLE
	name    string // set, object or flowtable name
	objType uint32 // NFTA_OBJ_TYPE, for objects
	kind    string // "set", "map", "counter", ... for plans and errors
}

// objectKinds names the stateful object types (NFT_OBJECT_*).
var objectKinds = map[uint32]string{1: "counter", 2: "quota", 3: "ct helper", 4: "limit", 5: "connlimit",
	6: "tunnel", 7: "ct timeout", 8: "secmark", 9: "ct expectation", 10: "synproxy"}

// readObjects dumps the sets, objects and flowtables of a table whose use
// count says it holds more than its chains.
func (r *reader) readObjects(t *haveTable) error {
	if t.use <= uint32(len(t.chains)) {
		return nil
	}
	fam := nfproto(t.id.Fam)
	queries := []struct {
		get, nameAttr int
		filter        attrs
	}{
		{unix.NFT_MSG_GETSET, unix.NFTA_SET_NAME, attrs(nil).str(unix.NFTA_SET_TABLE, t.name)},
		{unix.NFT_MSG_GETOBJ, unix.NFTA_OBJ_NAME, attrs(nil).str(unix.NFTA_OBJ_TABLE, t.name)},
		{unix.NFT_MSG_GETFLOWTABLE, nftaFlowtableName, attrs(nil).str(nftaFlowtableTable, t.name)},
	}
	for _, q := range queries {
		msgs, err := dump(r.c, q.get, fam, q.filter)
		if err != nil {
			return fmt.Errorf("dumping the sets, objects and flowtables of %s %s: %w", t.id.Fam, t.name, err)
		}
		r.onDump()
		for _, m := range msgs {
			if len(m.Data) < 4 || m.Data[0] != fam {
				continue
			}
			o, table, ok := decodeObject(m)
			if ok && table == t.name {
				t.objects = append(t.objects, o)
			}
		}
	}
	return nil
}

// decodeObject decodes a NEWSET, NEWOBJ or NEWFLOWTABLE message; ok is
// false for other messages and for anonymous sets (bound to a rule, they
// go with it).
func decodeObject(m netlink.Message) (o haveObject, table string, ok bool) {
	var flags uint32
	switch m.Header.Type {
	case nftType(unix.NFT_MSG_NEWSET):
		o.msg, o.kind = unix.NFT_MSG_DELSET, "set"
		_ = attrList(m.Data, func(typ uint16, b []byte) error {
			switch typ {
			case unix.NFTA_SET_TABLE:
				table = cstring(b)
			case unix.NFTA_SET_NAME:
				o.name = cstring(b)
			case unix.NFTA_SET_FLAGS:
				flags = be32(b)
			}
			return nil
		})
		if flags&unix.NFT_SET_ANONYMOUS != 0 {
			return o, table, false
		}
		if flags&unix.NFT_SET_MAP != 0 {
			o.kind = "map"
		}
	case nftType(unix.NFT_MSG_NEWOBJ):
		o.msg = unix.NFT_MSG_DELOBJ
		_ = attrList(m.Data, func(typ uint16, b []byte) error {
			switch typ {
			case unix.NFTA_OBJ_TABLE:
				table = cstring(b)
			case unix.NFTA_OBJ_NAME:
				o.name = cstring(b)
			case unix.NFTA_OBJ_TYPE:
				o.objType = be32(b)
			}
			return nil
		})
		o.kind = objectKinds[o.objType]
		if o.kind == "" {
			o.kind = fmt.Sprintf("object of type %d", o.objType)
		}
	case nftType(unix.NFT_MSG_NEWFLOWTABLE):
		o.msg, o.kind = unix.NFT_MSG_DELFLOWTABLE, "flowtable"
		_ = attrList(m.Data, func(typ uint16, b []byte) error {
			switch typ {
			case nftaFlowtableTable:
				table = cstring(b)
			case nftaFlowtableName:
				o.name = cstring(b)
			}
			return nil
		})
	default:
		return o, "", false
	}
	return o, table, o.name != ""
}

// delObject deletes a set, object or flowtable by name.
func (b *batch) delObject(fam rule.Family, table string, o haveObject) {
	a := head(fam)
	switch o.msg {
	case unix.NFT_MSG_DELSET:
		a = a.str(unix.NFTA_SET_TABLE, table).str(unix.NFTA_SET_NAME, o.name)
	case unix.NFT_MSG_DELOBJ:
		a = a.str(unix.NFTA_OBJ_TABLE, table).str(unix.NFTA_OBJ_NAME, o.name).u32(unix.NFTA_OBJ_TYPE, o.objType)
	default:
		a = a.str(nftaFlowtableTable, table).str(nftaFlowtableName, o.name)
	}
	b.add(o.msg, 0, a, text("deleting %s %s from %s %s", o.kind, o.name, fam, table), false)
}

// dropObjects deletes what an owned table holds that nftsync did not put
// there. Foreign rules that use them are deleted earlier in the batch;
// maps whose verdicts jump to chains go before the chains.
func (p *planner) dropObjects(ht *haveTable) {
	for _, o := range ht.objects {
		p.objDels.delObject(ht.id.Fam, ht.name, o)
		p.change(DeleteObject, ht.id, "", o.kind+" "+o.name, 0)
	}
}
