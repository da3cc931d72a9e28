"""The reference EvoAug augmentations and RobustModel's per-sequence augmentation loop.

Ported from github.com/p-koo/evoaug at commit 8e4378ccfbf7488b1b8e04a6aae51bde33e88000
(evoaug/augment.py and RobustModel in evoaug/evoaug.py; MIT License, Copyright (c) 2022
Peter K. Koo). The transforms are copied as they are, loops and all: this is the
baseline the C++ timings are compared with, so its cost must be the reference's cost.
The only change: RobustModel draws its augmentation combinations with numpy's RNG; here
they come from torch's (same distributions), so one torch seed drives everything and
numpy is not needed. Lightning is not used; `RobustAugmenter` holds the loop alone.
"""
import torch


class RandomDeletion:
    def __init__(self, delete_min=0, delete_max=20):
        self.delete_min = delete_min
        self.delete_max = delete_max

    def __call__(self, x):
        N, A, L = x.shape
        a = torch.eye(A)
        p = torch.tensor([1/A for _ in range(A)])
        padding = torch.stack([a[p.multinomial(self.delete_max, replacement=True)].transpose(0, 1) for _ in range(N)]).to(x.device)
        delete_lens = torch.randint(self.delete_min, self.delete_max + 1, (N,))
        delete_inds = torch.randint(L - self.delete_max + 1, (N,))  # deletion must be in boundaries of seq.
        x_aug = []
        for seq, pad, delete_len, delete_ind in zip(x, padding, delete_lens, delete_inds):
            pad_begin_index = torch.div(delete_len, 2, rounding_mode='floor').item()
            pad_end_index = delete_len - pad_begin_index
            x_aug.append(torch.cat([pad[:, :pad_begin_index],
                                    seq[:, :delete_ind],
                                    seq[:, delete_ind+delete_len:],
                                    pad[:, self.delete_max-pad_end_index:]], -1))
        return torch.stack(x_aug)


class RandomInsertion:
    def __init__(self, insert_min=0, insert_max=20):
        self.insert_min = insert_min
        self.insert_max = insert_max

    def __call__(self, x):
        N, A, L = x.shape
        a = torch.eye(A)
        p = torch.tensor([1/A for _ in range(A)])
        insertions = torch.stack([a[p.multinomial(self.insert_max, replacement=True)].transpose(0, 1) for _ in range(N)]).to(x.device)
        insert_lens = torch.randint(self.insert_min, self.insert_max + 1, (N,))
        insert_inds = torch.randint(L, (N,))
        x_aug = []
        for seq, insertion, insert_len, insert_ind in zip(x, insertions, insert_lens, insert_inds):
            insert_beginning_len = torch.div((self.insert_max - insert_len), 2, rounding_mode='floor').item()
            insert_end_len = self.insert_max - insert_len - insert_beginning_len  # noqa: F841 (as in the reference)
            x_aug.append(torch.cat([insertion[:, :insert_beginning_len],
                                    seq[:, :insert_ind],
                                    insertion[:, insert_beginning_len:insert_beginning_len+insert_len],
                                    seq[:, insert_ind:],
                                    insertion[:, insert_beginning_len+insert_len:self.insert_max]], -1))
        return torch.stack(x_aug)


class RandomTranslocation:
    def __init__(self, shift_min=0, shift_max=20):
        self.shift_min = shift_min
        self.shift_max = shift_max

    def __call__(self, x):
        N = x.shape[0]
        shifts = torch.randint(self.shift_min, self.shift_max + 1, (N,))
        ind_neg = torch.rand(N) < 0.5
        shifts[ind_neg] = -1 * shifts[ind_neg]
        x_rolled = []
        for i, shift in enumerate(shifts):
            x_rolled.append(torch.roll(x[i], shift.item(), -1))
        x_rolled = torch.stack(x_rolled).to(x.device)
        return x_rolled


class RandomInversion:
    def __init__(self, invert_min=0, invert_max=20):
        self.invert_min = invert_min
        self.invert_max = invert_max

    def __call__(self, x):
        N, A, L = x.shape
        inversion_lens = torch.randint(self.invert_min, self.invert_max + 1, (N,))
        inversion_inds = torch.randint(L - self.invert_max + 1, (N,))  # inversion must be in boundaries of seq.
        x_aug = []
        for seq, inversion_len, inversion_ind in zip(x, inversion_lens, inversion_inds):
            x_aug.append(torch.cat([seq[:, :inversion_ind],
                                    torch.flip(seq[:, inversion_ind:inversion_ind+inversion_len], dims=[0, 1]),
                                    seq[:, inversion_ind+inversion_len:]], -1))
        return torch.stack(x_aug)


class RandomMutation:
    def __init__(self, mut_frac=0.05):
        self.mutate_frac = mut_frac

    def __call__(self, x):
        N, A, L = x.shape
        num_mutations = round(self.mutate_frac / 0.75 * L)  # accounts for silent mutations
        mutation_inds = torch.argsort(torch.rand(N, L))[:, :num_mutations]
        a = torch.eye(A)
        p = torch.tensor([1/A for _ in range(A)])
        mutations = torch.stack([a[p.multinomial(num_mutations, replacement=True)].transpose(0, 1) for _ in range(N)]).to(x.device)
        x_aug = torch.clone(x)
        for i in range(N):
            x_aug[i, :, mutation_inds[i]] = mutations[i]
        return x_aug


class RandomRC:
    def __init__(self, rc_prob=0.5):
        self.rc_prob = rc_prob

    def __call__(self, x):
        x_aug = torch.clone(x)
        ind_rc = torch.rand(x_aug.shape[0]) < self.rc_prob
        x_aug[ind_rc] = torch.flip(x_aug[ind_rc], dims=[1, 2])
        return x_aug


class RandomNoise:
    def __init__(self, noise_mean=0.0, noise_std=0.2):
        self.noise_mean = noise_mean
        self.noise_std = noise_std

    def __call__(self, x):
        return x + torch.normal(self.noise_mean, self.noise_std, x.shape).to(x.device)


# Protocol op names, in evoaug's fixed application order (sdk/include/evoaug/sdk/
# augmentation.h, `priority`). RobustModel applies a sequence's sampled augmentations in
# augment_list order, so building the list in this order makes both sides agree.
OPS = [
    ("inversion", RandomInversion),
    ("deletion", RandomDeletion),
    ("translocation", RandomTranslocation),
    ("insertion", RandomInsertion),
    ("rc", RandomRC),
    ("mutation", RandomMutation),
    ("noise", RandomNoise),
]


def build_augment_list(ops):
    """{"deletion": {"delete_min": 0, ...}, ...} -> augment instances in the fixed order."""
    known = dict(OPS)
    unknown = sorted(set(ops) - set(known))
    if unknown:
        raise ValueError(f"unknown augmentation(s) {unknown} (known: {[name for name, _ in OPS]})")
    return [cls(**(ops[name] or {})) for name, cls in OPS if name in ops]


def augment_max_len(augment_list):
    """The insert_max of the (last) insertion in the list, 0 without one (as evoaug.py)."""
    insert_max = 0
    for augment in augment_list:
        if hasattr(augment, 'insert_max'):
            insert_max = augment.insert_max
    return insert_max


class RobustAugmenter:
    """RobustModel's augmentation logic without Lightning: _sample_aug_combos,
    _apply_augment (one sequence at a time) and _pad_end."""

    def __init__(self, augment_list, max_augs_per_seq=0, hard_aug=True):
        self.augment_list = augment_list
        self.max_augs_per_seq = min(max_augs_per_seq, len(augment_list))
        self.hard_aug = hard_aug
        self.max_num_aug = len(augment_list)
        self.insert_max = augment_max_len(augment_list)

    def _sample_aug_combos(self, batch_size):
        if self.hard_aug:
            batch_num_aug = [self.max_augs_per_seq] * batch_size
        else:  # np.random.randint(1, max + 1, (N,)) in the reference
            batch_num_aug = torch.randint(1, self.max_augs_per_seq + 1, (batch_size,)).tolist()
        # np.random.choice(n, k, replace=False), sorted, in the reference
        return [sorted(torch.randperm(self.max_num_aug)[:k].tolist()) for k in batch_num_aug]

    def apply_augment(self, x):
        """Training: each sequence gets its own sampled augmentations, in list order;
        sequences without an insertion are padded at the end to the common length."""
        aug_combos = self._sample_aug_combos(x.shape[0])
        x_new = []
        for aug_indices, seq in zip(aug_combos, x):
            seq = torch.unsqueeze(seq, dim=0)
            insert_status = True
            for aug_index in aug_indices:
                seq = self.augment_list[aug_index](seq)
                if hasattr(self.augment_list[aug_index], 'insert_max'):
                    insert_status = False
            if insert_status:
                if self.insert_max:
                    seq = self.pad_end(seq)
            x_new.append(seq)
        return torch.cat(x_new)

    def pad_end(self, x):
        """Random DNA of length insert_max appended to each sequence (evaluation, finetuning)."""
        N, A, L = x.shape
        a = torch.eye(A)
        p = torch.tensor([1/A for _ in range(A)])
        padding = torch.stack([a[p.multinomial(self.insert_max, replacement=True)].transpose(0, 1) for _ in range(N)]).to(x.device)
        return torch.cat([x, padding.to(x.device)], dim=2)
