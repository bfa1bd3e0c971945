package xt

// CgroupMatch is the cgroup match, revision 2 (struct xt_cgroup_info_v2),
// for both families: a net_cls class id or a cgroup v2 path. The kernel
// resolves the path when the rule is added (and refuses a path that does
// not exist); the pointer it keeps is private and dumped as zero.
var CgroupMatch = register(&Ext{Kind: Match, Name: "cgroup", Rev: 2, Families: BothFamilies, Hooks: LocalIn | LocalOut | PostRouting, Size: 528})

// CgroupPathMax is XT_CGROUP_PATH_MAX: the path's buffer, with its NUL.
const CgroupPathMax = 512

// Cgroup is struct xt_cgroup_info_v2 without its private pointer: either
// Path (HasPath) or ClassID (HasClassID), which share a union.
type Cgroup struct {
	HasPath, HasClassID       bool
	InvertPath, InvertClassID bool
	Path                      string
	ClassID                   uint32
}

// Marshal encodes the info. A path of CgroupPathMax bytes or more does
// not fit; the caller refuses it.
func (c Cgroup) Marshal() []byte {
	b := newEnc(CgroupMatch.Size)
	for i, f := range []bool{c.HasPath, c.HasClassID, c.InvertPath, c.InvertClassID} {
		if f {
			b.u8(i, 1)
		}
	}
	if c.HasPath {
		b.bytes(4, []byte(c.Path[:min(len(c.Path), CgroupPathMax-1)]))
	} else {
		b.u32(4, c.ClassID)
	}
	return b
}
