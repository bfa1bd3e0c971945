package xt

// ClusterMatch is xt_cluster, revision 0 (struct xt_cluster_match_info).
var ClusterMatch = register(&Ext{Kind: Match, Name: "cluster", Rev: 0, Families: BothFamilies, Size: 16})

// ClusterInvert is XT_CLUSTER_F_INV.
const ClusterInvert = 1

// Cluster is struct xt_cluster_match_info.
type Cluster struct {
	TotalNodes, NodeMask, HashSeed, Flags uint32
}

// Marshal encodes the info.
func (c Cluster) Marshal() []byte {
	b := newEnc(ClusterMatch.Size)
	b.u32(0, c.TotalNodes)
	b.u32(4, c.NodeMask)
	b.u32(8, c.HashSeed)
	b.u32(12, c.Flags)
	return b
}

// DecodeCluster decodes the info.
func DecodeCluster(info []byte) (Cluster, error) {
	if err := checkLen(ClusterMatch, info); err != nil {
		return Cluster{}, err
	}
	return Cluster{TotalNodes: host.Uint32(info), NodeMask: host.Uint32(info[4:]), HashSeed: host.Uint32(info[8:]), Flags: host.Uint32(info[12:])}, nil
}
