"""The genre head on musicnn's backbone: what it is, apart from the data it is fitted on.

It reads the backbone's `embedding` (200) and `tag_logits` (50) of a window and
gives the 12 classes below; train_head.py fits it, export_head.py writes it into
a model file after the backbone's graph.
"""
import numpy as np

GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]
CLASSES = GENRES + ["speech", "other"]
# MSD tags that name a genre: the backbone's own knowledge of commercial music.
TAG_PRIOR = {"blues": ["blues"], "country": ["country"], "hiphop": ["Hip-Hop", "rnb"], "jazz": ["jazz"],
             "metal": ["metal", "heavy metal"], "pop": ["pop", "indie pop"],
             "rock": ["rock", "classic rock", "hard rock", "alternative rock"], "disco": ["dance", "funk"],
             "classical": [], "reggae": []}


class Head:
    """Standardisation, then one linear layer (multinomial logistic regression) or a
    small MLP, trained with class-balanced weights, optional mixup and a fixed
    tag-name prior added to the genre logits."""

    def __init__(self, hidden=0, l2=1e-3, prior=0.0, mixup=0.0, epochs=60, seed=0, prior_in_training=False):
        """prior: weight of the tag-name prior added to the genre logits. Added after
        training (the default), it is knowledge the 226 GTZAN tracks cannot outvote;
        inside training the fit learns to cancel it."""
        self.hidden, self.l2, self.prior, self.mixup, self.epochs, self.seed = hidden, l2, prior, mixup, epochs, seed
        self.prior_in_training = prior_in_training

    def prior_matrix(self, tag_names):
        P = np.zeros((50, len(CLASSES)), np.float32)
        for g, tags in TAG_PRIOR.items():
            for tag in tags:
                P[tag_names.index(tag), CLASSES.index(g)] = 1.0 / len(tags)
        return P

    def fit(self, X, y, tag_names):
        import torch
        torch.manual_seed(self.seed)
        self.mean, self.std = X.mean(0), X.std(0) + 1e-6
        Xs = torch.tensor((X - self.mean) / self.std, dtype=torch.float32)
        Y = torch.tensor(y)
        counts = np.bincount(y, minlength=len(CLASSES)).astype(np.float64)
        weights = torch.tensor(np.where(counts > 0, len(y) / (len(CLASSES) * np.maximum(counts, 1)), 0), dtype=torch.float32)
        d = X.shape[1]
        layers = [torch.nn.Linear(d, self.hidden), torch.nn.ReLU(), torch.nn.Dropout(0.3),
                  torch.nn.Linear(self.hidden, len(CLASSES))] if self.hidden else [torch.nn.Linear(d, len(CLASSES))]
        self.net = torch.nn.Sequential(*layers)
        P = torch.tensor(self.prior_matrix(tag_names))
        raw_tags = torch.tensor(X[:, 200:250], dtype=torch.float32)
        opt = torch.optim.AdamW(self.net.parameters(), lr=3e-3, weight_decay=self.l2)
        n, batch = len(y), 256
        rng = np.random.default_rng(self.seed)
        for epoch in range(self.epochs):
            self.net.train()
            order = torch.tensor(rng.permutation(n))
            for s in range(0, n, batch):
                idx = order[s:s + batch]
                xb, yb, tb = Xs[idx], Y[idx], raw_tags[idx]
                onehot = torch.nn.functional.one_hot(yb, len(CLASSES)).float()
                if self.mixup > 0:
                    lam = float(rng.beta(self.mixup, self.mixup))
                    perm = torch.randperm(len(idx))
                    xb = lam * xb + (1 - lam) * xb[perm]
                    tb = lam * tb + (1 - lam) * tb[perm]
                    onehot = lam * onehot + (1 - lam) * onehot[perm]
                logits = self.net(xb) + (self.prior if self.prior_in_training else 0.0) * (tb @ P)
                loss = -(onehot * torch.log_softmax(logits, 1) * weights).sum(1).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
        self.net.eval()
        self.P = P
        return self

    def log_proba(self, X):
        import torch
        with torch.no_grad():
            Xs = torch.tensor((X - self.mean) / self.std, dtype=torch.float32)
            logits = self.net(Xs) + self.prior * (torch.tensor(X[:, 200:250], dtype=torch.float32) @ self.P)
            return torch.log_softmax(logits, 1).numpy()
